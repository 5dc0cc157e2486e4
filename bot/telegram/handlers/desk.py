"""Staff desk handlers (claim, reply, close, queue, stats) and /report, /cancel for users."""

from __future__ import annotations

from telegram.ext import Application, BaseHandler

from bot.telegram.context import Services


async def attach(services: Services, application: Application) -> None:
    """Wire the desk service once storage is open (nothing when no staff chat is configured)."""


def handlers() -> list[BaseHandler]:
    return []
