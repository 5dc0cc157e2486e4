"""Kill the bot process (SIGKILL) mid-stream and restart it: no inquiry lost, no update answered twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.storage.db import Database
from tests.fakes.bot_api import FakeBotApi

pytestmark = pytest.mark.slow
MESSAGES = 60
SCAM = "客服说要退款给我，让我加V信扫二维码先交保证金{n}元"


def write_config(api: FakeBotApi, tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "telegram": {"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url,
                     "poll_timeout": 1, "concurrent_updates": 8},
        "storage": {"database": str(tmp_path / "bot.sqlite3")},
        "log_level": "WARNING",
    }), encoding="utf-8")
    return path


async def start_bot(config: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--config", str(config),
                                                env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)


def replies_per_message(api: FakeBotApi) -> Counter[tuple[int, int]]:
    counted: Counter[tuple[int, int]] = Counter()
    for call in api.calls_to("sendMessage"):
        reply = call.params.get("reply_parameters")
        if isinstance(reply, str):
            reply = json.loads(reply)
        if call.status == 200 and reply:
            counted[(int(call.params["chat_id"]), int(reply["message_id"]))] += 1
    return counted


async def test_sigkill_mid_stream_loses_no_inquiry_and_answers_none_twice(fake_bot_api: FakeBotApi,
                                                                          tmp_path: Path) -> None:
    fake_bot_api.delay_seconds = 0.01
    config = write_config(fake_bot_api, tmp_path)
    update_ids = [fake_bot_api.add_text(1000 + n, SCAM.format(n=n)) for n in range(MESSAGES)]
    process = await start_bot(config)
    await fake_bot_api.wait_for(lambda call: call.method == "sendMessage", timeout=30)
    await asyncio.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    answered_before_kill = len(replies_per_message(fake_bot_api))
    assert answered_before_kill < MESSAGES, "the kill came too late to test anything"

    process = await start_bot(config)
    try:
        async def all_logged() -> None:
            while True:
                async with Database(tmp_path / "bot.sqlite3") as db:
                    done = await db.fetchval("SELECT COUNT(*) FROM updates WHERE status = 'done'")
                if done == MESSAGES:
                    return
                await asyncio.sleep(0.2)

        await asyncio.wait_for(all_logged(), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()

    async with Database(tmp_path / "bot.sqlite3") as db:
        logged = await db.fetchval("SELECT COUNT(DISTINCT update_id) FROM inquiries")
    assert logged == MESSAGES
    counts = replies_per_message(fake_bot_api)
    assert max(counts.values()) == 1, "an update was answered twice"
    assert len(counts) >= MESSAGES - 8  # at most the in-flight batch can be left unanswered (at-most-once)
    assert len(update_ids) == MESSAGES
