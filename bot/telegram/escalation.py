"""Escalation from the user's side: buttons, engine decisions, /report, and relaying an open case."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.engine.verdict import Verdict
from bot.telegram.context import services, user_lang

PENDING_REPORT = "awaiting_report"
DESK_BRIDGE = "desk_bridge"  # where the desk handlers leave their bridge in Services.extras


async def from_button(update: Update, context: ContextTypes.DEFAULT_TYPE, *, urgent: bool) -> None:
    """'Talk to an officer' or 'I already paid' under a verdict."""
    query = update.callback_query
    s = services(context)
    lang = await user_lang(update, context)
    if query.message is None or query.message.chat.type != "private":
        # A case lives in a private chat: in a group the officer's words would reach everyone.
        await query.answer(s.text("group.ask_private", lang), show_alert=True)
        return
    await query.answer()
    if urgent:
        await query.message.reply_text(
            s.text("verdict.banner.after", lang) + "\n\n" + s.text("verdict.after_steps", lang)
            + "\n\n" + s.text("verdict.emergency_numbers", lang))
    desk = s.extras.get(DESK_BRIDGE)
    if desk is not None:
        await desk.open_from_button(update, context, urgent=urgent, lang=lang)


async def after_verdict(update: Update, context: ContextTypes.DEFAULT_TYPE, verdict: Verdict,
                        inquiry_id: int | None, text: str, lang: str) -> None:
    """Open a case when the engine says so (money gone, high risk with a large amount) or the user keeps asking."""
    desk = services(context).extras.get(DESK_BRIDGE)
    if desk is not None:
        await desk.after_verdict(update, context, verdict, inquiry_id, text, lang)


async def route_user_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """While a case is open the user's messages go to the officer, not the engine."""
    desk = services(context).extras.get(DESK_BRIDGE)
    return bool(desk is not None and await desk.relay_from_user(update, context))


async def take_pending_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The message after /report is a clue for staff."""
    if context.user_data is None or not context.user_data.pop(PENDING_REPORT, False):
        return False
    desk = services(context).extras.get(DESK_BRIDGE)
    if desk is None:
        return False
    await desk.submit_clue(update, context)
    return True
