"""Fakes for end-to-end tests: a loopback Telegram Bot API server that python-telegram-bot talks to."""

from .bot_api import FakeBotApi, RecordedCall, UserMessageOptions
from .methods import UploadedFile

__all__ = ["FakeBotApi", "RecordedCall", "UploadedFile", "UserMessageOptions"]
