"""Questions from users: text, forwards, captions, edits; group behaviour; what the bot cannot read."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot.engine.verdict import Verdict
from bot.telegram import escalation
from bot.telegram.context import remember_user, services, user_lang
from bot.telegram.keyboards import verdict_keyboard
from bot.telegram.sending import send_long

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
NEW_OR_EDITED = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE
UNSUPPORTED = {
    "sticker": filters.Sticker.ALL,
    "voice": filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE,
    "location": filters.LOCATION | filters.VENUE,
}


def _source(update: Update, message: Message) -> str:
    if update.edited_message is not None:
        return "edited"
    if message.forward_origin is not None:
        return "forward"
    if message.caption:
        return "caption"
    return "text"


def message_text(message: Message) -> str | None:
    return message.text or message.caption


async def reply_with_verdict(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None,
                             source: str, *, preface: str | None = None) -> Verdict | None:
    """Judge, log, answer with buttons, escalate when the verdict says so."""
    s = services(context)
    message = update.effective_message
    user = update.effective_user
    lang = await user_lang(update, context)
    answer = await s.inquiries.judge(text, lang=lang, user_id=user.id if user else None, chat_id=message.chat_id,
                                     source=source, update_id=update.update_id)
    if not answer.should_send:
        return answer.verdict
    reply = answer.reply
    if source == "edited":
        reply = f"{s.text('edited.note', lang)}\n{reply}"
    if preface:
        reply = f"{preface}\n\n{reply}"
    markup = verdict_keyboard(lambda key: s.text(key, lang), answer.inquiry_id) if answer.verdict else None
    sent = await send_long(context.bot, message.chat_id, reply, reply_markup=markup,
                           reply_to_message_id=message.message_id)
    await s.inquiries.mark_sent(answer.inquiry_id, ok=sent is not None)
    # Cases are opened from private chats only: an officer's replies must never land in a group.
    if answer.verdict is not None and user is not None and message.chat.type == ChatType.PRIVATE:
        await escalation.after_verdict(update, context, answer.verdict, answer.inquiry_id, text or "", lang)
    return answer.verdict


async def on_private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private text, forward, caption or edit: relay to an open case, take a clue, or judge it."""
    await remember_user(update, context)
    message = update.effective_message
    if await escalation.route_user_message(update, context):
        return
    if await escalation.take_pending_report(update, context):
        return
    if message.photo or message.document:
        await on_photo(update, context)
        return
    await reply_with_verdict(update, context, message_text(message), _source(update, message))


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture without text: read it when the vision extra is installed, else ask for the text."""
    s = services(context)
    reader = s.extras.get("image_reader")
    message = update.effective_message
    if reader is not None:
        await reader(update, context)
    elif message.caption:
        await reply_with_verdict(update, context, message.caption, "caption")
    else:
        lang = await user_lang(update, context)
        await message.reply_text(s.text("unsupported.photo", lang))


def _addressed_to_bot(message: Message, bot_username: str | None, bot_id: int) -> bool:
    if message.reply_to_message and message.reply_to_message.from_user and \
            message.reply_to_message.from_user.id == bot_id:
        return True
    text = message_text(message) or ""
    return bool(bot_username) and f"@{bot_username}".lower() in text.lower()


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups: answer when addressed; otherwise speak up only for a high-confidence scam."""
    s = services(context)
    message = update.effective_message
    text = message_text(message)
    if not text or message.chat_id == s.config.staff.chat_id:
        return
    bot = context.bot
    lang = await user_lang(update, context)
    if _addressed_to_bot(message, bot.username, bot.id):
        clean = text.replace(f"@{bot.username}", "") if bot.username else text
        verdict = s.inquiries.engine.assess(clean)
        if verdict.risk == "low":
            await message.reply_text(s.text("group.ask_private", lang))
            return
        await reply_with_verdict(update, context, clean, "group")
        return
    verdict = s.inquiries.engine.assess(text)
    if verdict.risk == "high" and verdict.scam_type:
        title = s.content.scam_types[verdict.scam_type].title.get(lang)
        answer = await s.inquiries.judge(text, lang=lang, chat_id=message.chat_id, source="group",
                                         user_id=update.effective_user.id if update.effective_user else None,
                                         update_id=update.update_id)
        if answer.should_send:
            await message.reply_text(s.text("group.warning", lang, title=title))


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, voice, locations and the like get a polite hint."""
    message = update.effective_message
    if await escalation.route_user_message(update, context):
        return
    kind = next((name for name, f in UNSUPPORTED.items() if f.check_update(update)), "other")
    lang = await user_lang(update, context)
    await message.reply_text(services(context).text(f"unsupported.{kind}", lang))


def handlers() -> list[BaseHandler]:
    readable = (filters.TEXT & ~filters.COMMAND) | filters.CAPTION | filters.PHOTO | filters.Document.IMAGE
    return [
        MessageHandler(PRIVATE & NEW_OR_EDITED & readable, on_private_message),
        MessageHandler(GROUPS & filters.UpdateType.MESSAGE & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND,
                       on_group_message),
        MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND, on_unsupported),
    ]


__all__ = ["handlers", "message_text", "reply_with_verdict"]
