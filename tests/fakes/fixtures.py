"""pytest fixtures for the fake Bot API; import them into the root conftest to share them."""

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from .bot_api import FakeBotApi


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A started fake Bot API server on a free loopback port."""
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def fake_bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    """An initialised PTB Bot talking to `fake_bot_api` over loopback HTTP."""
    bot = Bot(fake_bot_api.token, base_url=fake_bot_api.base_url, base_file_url=fake_bot_api.base_file_url)
    async with bot:
        yield bot
