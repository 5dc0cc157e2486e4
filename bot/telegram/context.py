"""What handlers reach through `context.bot_data`: the services and settings, typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.config import Config
from bot.content.loader import ContentBase
from bot.content.texts import normalise_lang
from bot.services.inquiries import InquiryService
from bot.storage import users
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.services.desk import DeskService

SERVICES_KEY = "services"


@dataclass
class Services:
    config: Config
    db: Database
    inquiries: InquiryService
    desk: DeskService | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> ContentBase:
        return self.inquiries.content

    def text(self, key: str, lang: str, **values: object) -> str:
        return self.content.texts.render(key, lang, **values)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


async def user_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The user's chosen language, else their Telegram language, else Chinese."""
    user = update.effective_user
    if user is None:
        return "zh"
    cached = context.user_data.get("lang") if context.user_data is not None else None
    if cached:
        return cached
    stored = await users.get_user(services(context).db, user.id)
    lang = stored.lang if stored and stored.lang else normalise_lang(user.language_code)
    if context.user_data is not None:
        context.user_data["lang"] = lang
    return lang


async def remember_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return
    # One write per user and name per process, not one per message.
    if context.user_data is not None and context.user_data.get("known_as") == user.full_name:
        return
    await users.upsert_user(services(context).db, user.id, chat.id, user.full_name)
    if context.user_data is not None:
        context.user_data["known_as"] = user.full_name
