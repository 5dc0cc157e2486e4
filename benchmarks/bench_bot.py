"""End to end through the fake Bot API: the real bot process, python-telegram-bot, HTTP and SQLite.

Two figures: (1) the highest throughput when 3,000 questions from 200 users are already waiting;
(2) reply latency (update handed out by getUpdates → our sendMessage arriving) at a steady offered load
of 300 updates/s from 200 concurrent users. Run: .venv/bin/python benchmarks/bench_bot.py
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.bot_api import FakeBotApi  # noqa: E402

USERS = 200
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))  # a Bot API server on loopback answers in ~1 ms
BURST = 3000
RATE = 300
SECONDS = 10
QUESTIONS = [
    "一个自称上海公安的人说我卡涉嫌洗钱，让我把钱转到安全账户，是真的吗？",
    "客服说我的快递丢了要理赔，让我加微信扫二维码",
    "兼职刷单先垫付，做完三单返佣金",
    "今天晚上一起吃饭吗",
    "网贷说要先交解冻费才能放款",
]


class Timings:
    """When each update left getUpdates, and when the reply to it arrived."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.delivered: dict[int, float] = {}
        self.chats: dict[int, int] = {}
        poll = api.telegram.updates.poll

        async def timed_poll(*args: object) -> list[dict]:
            updates = await poll(*args)
            now = time.monotonic()
            for update in updates:
                self.delivered.setdefault(update["update_id"], now)
            return updates

        api.telegram.updates.poll = timed_poll  # type: ignore[method-assign]

    def replies(self, update_ids: list[int]) -> dict[int, float]:
        by_message = {(update_id_chat[0], update_id_chat[1]): uid for uid, update_id_chat in
                      ((uid, self._chat_and_message(uid)) for uid in update_ids)}
        answered: dict[int, float] = {}
        for call in self.api.calls_to("sendMessage"):
            reply = call.params.get("reply_parameters")
            if isinstance(reply, str):
                reply = json.loads(reply)
            if not reply:
                continue
            key = (int(call.params["chat_id"]), int(reply["message_id"]))
            if key in by_message:
                answered.setdefault(by_message[key], call.time)
        return answered

    def _chat_and_message(self, update_id: int) -> tuple[int, int]:
        chat_id = self.chats[update_id]
        return chat_id, self.api.message_id_of(update_id)


async def start_bot(api: FakeBotApi, folder: Path) -> asyncio.subprocess.Process:
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({
        "telegram": {"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url,
                     "poll_timeout": 1, "concurrent_updates": 256, "connections": CONNECTIONS},
        "storage": {"database": str(folder / "bench.sqlite3")}, "log_level": "WARNING",
    }), encoding="utf-8")
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--config", str(config),
                                                   cwd=ROOT, stdout=asyncio.subprocess.DEVNULL)
    await api.wait_for("getUpdates", timeout=30, answered=False)
    await asyncio.sleep(3)  # let the background OCR warm-up finish; it is not part of answering text
    return process


def inject(api: FakeBotApi, timings: Timings, number: int) -> int:
    user = 10_000 + number % USERS
    update_id = api.add_text(user, QUESTIONS[number % len(QUESTIONS)])
    timings.chats[update_id] = user
    return update_id


async def wait_answered(timings: Timings, update_ids: list[int], timeout: float) -> dict[int, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = timings.replies(update_ids)
        if len(answered) == len(update_ids):
            return answered
        await asyncio.sleep(0.25)
    return timings.replies(update_ids)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def burst(api: FakeBotApi, timings: Timings) -> None:
    update_ids = [inject(api, timings, n) for n in range(BURST)]
    started = time.monotonic()
    answered = await wait_answered(timings, update_ids, timeout=120)
    elapsed = max(answered.values()) - min(timings.delivered[u] for u in update_ids)
    print(f"burst: {len(answered)}/{BURST} answered in {elapsed:.2f} s → {len(answered) / elapsed:.0f} updates/s "
          f"(wall {time.monotonic() - started:.2f} s)")


async def steady(api: FakeBotApi, timings: Timings) -> None:
    update_ids: list[int] = []
    started = time.monotonic()
    for tick in range(RATE * SECONDS // 10):
        for n in range(10):
            update_ids.append(inject(api, timings, BURST + tick * 10 + n))
        await asyncio.sleep(max(0.0, started + (tick + 1) * 10 / RATE - time.monotonic()))
    answered = await wait_answered(timings, update_ids, timeout=60)
    latencies = [(answered[u] - timings.delivered[u]) * 1000 for u in answered if u in timings.delivered]
    elapsed = max(answered.values()) - started
    print(f"steady {RATE}/s from {USERS} users for {SECONDS} s: {len(answered)}/{len(update_ids)} answered, "
          f"{len(answered) / elapsed:.0f} updates/s")
    print(f"reply latency: p50 {statistics.median(latencies):.1f} ms  p95 {percentile(latencies, 0.95):.1f} ms  "
          f"p99 {percentile(latencies, 0.99):.1f} ms  max {max(latencies):.1f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotApi() as api:
            timings = Timings(api)
            process = await start_bot(api, Path(folder))
            try:
                await burst(api, timings)
                await steady(api, timings)
            finally:
                process.send_signal(signal.SIGTERM)
                await process.wait()
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    asyncio.run(main())
