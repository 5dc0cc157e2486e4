"""Webhook mode: Telegram is answered only after the update is stored; a bad secret is refused."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp

from bot.storage.db import Database
from bot.telegram.runner import build_services, make_application
from bot.telegram.webhook import SECRET_HEADER, serve_webhook
from tests.fakes.bot_api import FakeBotApi
from tests.telegram.harness import bot_config

USER = 3131


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def update(update_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": 7, "date": int(time.time()), "text": text,
        "chat": {"id": USER, "type": "private", "first_name": "测试"},
        "from": {"id": USER, "is_bot": False, "first_name": "测试", "language_code": "zh-hans"}}}


async def test_webhook_stores_then_answers_and_checks_the_secret(fake_bot_api: FakeBotApi, tmp_path) -> None:
    fake_bot_api.private_chat(USER)
    port = free_port()
    config = bot_config(fake_bot_api, tmp_path / "bot.sqlite3")
    config.telegram.mode = "webhook"
    config.telegram.webhook.port = port
    config.telegram.webhook.secret_token = "s3cret"
    config.telegram.webhook.url = "https://bot.example.org/telegram"
    stop = asyncio.Event()
    server = asyncio.create_task(serve_webhook(make_application(build_services(config)), config, stop))
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.post(url, json=update(1, "x"), headers={SECRET_HEADER: "wrong"}) as response:
                        assert response.status == 403
                        break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.05)
            scam = update(2, "客服说退款要先交保证金，让我扫二维码")
            for _ in range(2):  # Telegram retries a webhook it thinks failed: answered once all the same
                async with session.post(url, json=scam, headers={SECRET_HEADER: "s3cret"}) as response:
                    assert response.status == 200
            async with Database(config.storage.database) as db:
                assert await db.fetchval("SELECT COUNT(*) FROM updates WHERE update_id = 2") == 1
            await fake_bot_api.wait_for_messages(USER, 1)
            await asyncio.sleep(0.3)
    finally:
        stop.set()
        await server
    assert len(fake_bot_api.sent_messages(USER)) == 1
    assert fake_bot_api.webhook_url == "https://bot.example.org/telegram"
