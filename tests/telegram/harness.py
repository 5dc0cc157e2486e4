"""Run the real Application against the fake Bot API over loopback: real client, real HTTP, real SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from telegram.ext import Application

from bot.config import Config
from bot.telegram.runner import build_services, make_application
from tests.fakes.bot_api import FakeBotApi

STAFF_CHAT = -100500
STAFF_IDS = (9001, 9002, 9003, 9004, 9005)


def bot_config(api: FakeBotApi, db_path: Path, **overrides: object) -> Config:
    data = {
        "telegram": {"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url,
                     "poll_timeout": 1, "rate_limit": {"max_retries": 3}},
        "storage": {"database": str(db_path)},
        "staff": {"chat_id": STAFF_CHAT, "user_ids": list(STAFF_IDS)},
    }
    data.update(overrides)
    return Config.model_validate(data)


@asynccontextmanager
async def running_bot(config: Config) -> AsyncIterator[Application]:
    """Start the Application with polling, as `fraudbot run` does, and stop it cleanly afterwards."""
    application = make_application(build_services(config))
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield application
    finally:
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if application.post_shutdown:
            await application.post_shutdown(application)
        await application.shutdown()


async def settle(seconds: float = 0.2) -> None:
    await asyncio.sleep(seconds)
