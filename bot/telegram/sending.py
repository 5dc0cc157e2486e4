"""Sending to users: clean splitting at Telegram's length limit, and blocked users handled quietly."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden
from telegram.ext import ExtBot

logger = logging.getLogger(__name__)

LIMIT = MessageLimit.MAX_TEXT_LENGTH


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Split at paragraph, then line, then sentence boundaries; never mid-character."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    remaining = text
    while len(remaining) > limit:
        window = remaining[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = max(window.rfind(mark) + 1 for mark in ("。", "！", "？", ". ", "；", " "))
        if cut < limit // 2:
            cut = limit
        parts.append(remaining[:cut].rstrip())
        remaining = remaining[cut:].lstrip("\n ")
    if remaining:
        parts.append(remaining)
    return [p for p in parts if p]


async def send_long(bot: ExtBot, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None,
                    reply_to_message_id: int | None = None, message_thread_id: int | None = None) -> Message | None:
    """Send `text` in as many messages as needed; buttons go on the last one. None if the user blocked us."""
    chunks = split_message(text)
    last: Message | None = None
    try:
        for index, chunk in enumerate(chunks):
            is_last = index == len(chunks) - 1
            last = await bot.send_message(
                chat_id, chunk, reply_markup=reply_markup if is_last else None,
                reply_to_message_id=reply_to_message_id if index == 0 else None,
                message_thread_id=message_thread_id,
            )
    except Forbidden:
        logger.info("chat %s blocked the bot; message dropped", chat_id)
        return None
    except BadRequest as exc:
        if "message to be replied not found" in str(exc).lower() and reply_to_message_id:
            return await send_long(bot, chat_id, text, reply_markup=reply_markup, message_thread_id=message_thread_id)
        raise
    return last
