"""The verdict's buttons: helpful / not helpful (with a reason), talk to an officer, "I already paid"."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.telegram import escalation
from bot.telegram.context import services, user_lang
from bot.telegram.keyboards import int_arg, parse_callback, reason_keyboard

REASONS = ("wrong", "unclear", "other")


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 / 👎; 👎 asks for a one-tap reason."""
    query = update.callback_query
    s = services(context)
    lang = await user_lang(update, context)
    _, args = parse_callback(query.data)
    inquiry_id, helpful = int_arg(args, 0), int_arg(args, 1)
    if inquiry_id is None or helpful not in (0, 1) or not await s.inquiries.feedback(
            inquiry_id, query.from_user.id, bool(helpful)):
        await query.answer(s.text("callback.expired", lang))
        return
    if helpful:
        await query.answer(s.text("feedback.thanks", lang))
        return
    await query.answer()
    await query.message.reply_text(s.text("feedback.ask_reason", lang),
                                   reply_markup=reason_keyboard(lambda key: s.text(key, lang), inquiry_id))


async def on_feedback_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The reason for 👎."""
    query = update.callback_query
    s = services(context)
    lang = await user_lang(update, context)
    _, args = parse_callback(query.data)
    inquiry_id = int_arg(args, 0)
    reason = args[1] if len(args) > 1 and args[1] in REASONS else None
    if inquiry_id is None or reason is None or not await s.inquiries.feedback(
            inquiry_id, query.from_user.id, False, reason):
        await query.answer(s.text("callback.expired", lang))
        return
    await query.answer(s.text("feedback.thanks", lang))
    await query.edit_message_text(s.text("feedback.thanks", lang))


async def on_officer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user asks for a human officer."""
    await escalation.from_button(update, context, urgent=False)


async def on_paid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"I already paid": stop-loss steps now, and an urgent case."""
    await escalation.from_button(update, context, urgent=True)


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_feedback, pattern=r"^fb:"),
        CallbackQueryHandler(on_feedback_reason, pattern=r"^fbr:"),
        CallbackQueryHandler(on_officer, pattern=r"^officer:"),
        CallbackQueryHandler(on_paid, pattern=r"^paid:"),
    ]
