"""Broadcast the weekly bulletin through the fake Bot API enforcing Telegram's limits (30 messages/s overall,
1/s per chat), SIGKILL the sending process halfway, restart it, and count what every subscriber received.

Run: .venv/bin/python benchmarks/bench_broadcast.py [--subscribers 10000]
Each subscriber gets two messages (the map with its caption, then the text), so 10,000 subscribers take
about 12 minutes at 29 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.content.loader import load_content  # noqa: E402
from bot.services.broadcast import BroadcastService, BroadcastSettings  # noqa: E402
from bot.services.bulletin.area import load_area  # noqa: E402
from bot.services.bulletin.build import BulletinMaker, save_draft  # noqa: E402
from bot.services.bulletin.demo import generate_demo_cases  # noqa: E402
from bot.services.bulletin.types import catalogue_from_base  # noqa: E402
from bot.services.bulletin.week import IsoWeek  # noqa: E402
from bot.storage import bulletins, subscriptions  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.telegram.handlers.subscriptions import TelegramSender  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402

FIRST_USER = 1_000_000
WEEK = IsoWeek.parse("2026-W23")


async def prepare(db_path: Path, subscribers: int) -> int:
    """A published bulletin and `subscribers` active subscriptions; returns the bulletin id."""
    content = load_content()
    area = load_area("ningbo")
    maker = BulletinMaker.for_area(area, catalogue_from_base(content), content.texts)
    draft = maker.build_from_cases(generate_demo_cases(area, WEEK, weeks=4, seed=5), WEEK)
    async with Database(db_path) as db:
        bulletin_id = await save_draft(db, draft, None)
        await bulletins.mark_published(db, bulletin_id, 1)
        districts = [d.id for d in area.districts]
        for n in range(subscribers):
            chosen = [districts[n % len(districts)]] if n % 3 == 0 else []
            await subscriptions.subscribe(db, FIRST_USER + n, FIRST_USER + n, chosen, "en" if n % 10 == 0 else "zh")
    return bulletin_id


async def worker(db_path: Path, base_url: str, file_url: str, token: str, bulletin_id: int) -> None:
    """The sending process: resume an unfinished broadcast or start it."""
    request = HTTPXRequest(connection_pool_size=64)  # as the bot builds it: many sends in flight at once
    async with Bot(token, base_url=base_url, base_file_url=file_url, request=request) as bot, \
            Database(db_path) as db:
        service = BroadcastService(db, TelegramSender(bot), load_area("ningbo"), BroadcastSettings())
        unfinished = await service.unfinished()
        broadcast_id = unfinished[0].id if unfinished else await service.start(bulletin_id)
        await service.run(broadcast_id)


async def spawn(args: list[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, __file__, "--worker", *args, cwd=ROOT)


def delivered(api: FakeBotApi) -> tuple[Counter[int], Counter[int], list[float]]:
    photos: Counter[int] = Counter()
    texts: Counter[int] = Counter()
    times = []
    for call in api.calls:
        if call.status == 200 and call.method in ("sendPhoto", "sendMessage"):
            chat = int(call.params["chat_id"])
            (photos if call.method == "sendPhoto" else texts)[chat] += 1
            times.append(call.time)
    return photos, texts, times


async def main(subscribers: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "broadcast.sqlite3"
        bulletin_id = await prepare(db_path, subscribers)
        async with FakeBotApi() as api:
            for n in range(subscribers):
                api.private_chat(FIRST_USER + n)
            api.rate_limit(30, per_chat_per_second=1.0)
            args = [str(db_path), api.base_url, api.base_file_url, api.token, str(bulletin_id)]
            total = subscribers * 2
            started = time.monotonic()
            process = await spawn(args)
            while sum(sum(c.values()) for c in delivered(api)[:2]) < total // 2:
                await asyncio.sleep(0.2)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            killed_at = sum(sum(c.values()) for c in delivered(api)[:2])
            process = await spawn(args)
            await process.wait()
            finished = time.monotonic()
        photos, texts, times = delivered(api)
    chats = range(FIRST_USER, FIRST_USER + subscribers)
    lost = sum(1 for c in chats if photos[c] == 0 or texts[c] == 0)
    duplicates = sum(1 for c in chats if photos[c] > 1 or texts[c] > 1)
    rejected = sum(1 for call in api.calls if call.status == 429)
    sent = len(times)
    rate = sent / (max(times) - min(times)) if len(times) > 1 else 0.0
    print(f"subscribers: {subscribers}, messages expected: {total}, delivered: {sent}")
    print(f"killed (SIGKILL) after {killed_at} messages; restarted; finished in {finished - started:.0f} s wall")
    print(f"sustained rate: {rate:.2f} messages/s = {rate / 30:.1%} of the 30/s limit (first to last delivery, "
          f"restart included); 429 answers: {rejected}")
    print(f"lost (a subscriber missing a message): {lost}; duplicates: {duplicates}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--worker", nargs=5, metavar=("DB", "BASE_URL", "FILE_URL", "TOKEN", "BULLETIN"))
    options = parser.parse_args()
    if options.worker:
        db, base, files, token, bulletin = options.worker
        asyncio.run(worker(Path(db), base, files, token, int(bulletin)))
    else:
        asyncio.run(main(options.subscribers))
    os._exit(0)
