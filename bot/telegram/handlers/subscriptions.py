"""/subscribe, /unsubscribe and the bulletin commands for staff."""

from __future__ import annotations

from telegram.ext import Application, BaseHandler

from bot.telegram.context import Services


async def attach(services: Services, application: Application) -> None:
    """Wire the bulletin services once storage is open."""


def handlers() -> list[BaseHandler]:
    return []
