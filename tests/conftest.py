"""Shared fixtures: the shipped content and engine (loaded once), a fresh SQLite file per test, the fake Bot API."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from bot.content.loader import ContentBase, load_content
from bot.engine.decide import Engine
from bot.storage.db import Database
from tests.fakes.fixtures import fake_bot, fake_bot_api  # noqa: F401 - shared fixtures

os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture(scope="session")
def content() -> ContentBase:
    return load_content()


@pytest.fixture(scope="session")
def engine(content: ContentBase) -> Engine:
    return Engine(content)


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "fraudbot.sqlite3")
    await database.open()
    try:
        yield database
    finally:
        await database.close()
