"""The staff desk under load, end to end through the fake Bot API: 100 users ask for an officer at once and
5 officers work the queue (all of them pressing Claim on every card). Prints how fast cards reach the staff
chat and checks every case is claimed once and every message relayed once. Telegram's 20-messages-a-minute
limit per group is lifted for the run (the fake server does not enforce it; see the note in main).

Run: .venv/bin/python benchmarks/bench_desk.py [--users 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.storage.db import Database  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402
from tests.telegram.harness import STAFF_CHAT, STAFF_IDS, bot_config, running_bot  # noqa: E402

FIRST_USER = 50_000
QUESTION = "客服说快递丢了要理赔，让我加微信扫码先交保证金"


def buttons(message: dict) -> list[str]:
    return [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


async def until(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        await asyncio.sleep(0.02)
    raise TimeoutError("the desk did not get there in time")


async def main(users: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotApi() as api:
            api.group_chat(STAFF_CHAT, "值班台")
            # Telegram lets a bot post ~20 messages a minute into one group, and python-telegram-bot's rate
            # limiter holds us to it; the fake server does not enforce it, so it is lifted here to measure the
            # desk itself. With it, 100 simultaneous cards take about five minutes to appear.
            config = bot_config(api, Path(folder) / "desk.sqlite3",
                                telegram={"token": api.token, "base_url": api.base_url,
                                          "base_file_url": api.base_file_url, "poll_timeout": 1,
                                          "rate_limit": {"group_max_rate": 0}})
            async with running_bot(config):
                for n in range(users):
                    api.add_text(FIRST_USER + n, QUESTION)
                verdicts = await until(lambda: v if len(v := [api.sent_messages(FIRST_USER + n)[:1]
                                                              for n in range(users)]) == users
                                       and all(v) else None)
                pressed: dict[int, float] = {}
                for n, [verdict] in enumerate(verdicts):
                    officer_button = next(b for b in buttons(verdict) if b.startswith("officer:"))
                    api.add_callback(FIRST_USER + n, officer_button, verdict["message_id"])
                    pressed[FIRST_USER + n] = time.monotonic()
                cards = await until(lambda: c if len(c := [m for m in api.sent_messages(STAFF_CHAT)
                                                           if any(b.startswith("dk:claim") for b in buttons(m))])
                                    >= users else None)
                for card in cards:
                    claim = next(b for b in buttons(card) if b.startswith("dk:claim"))
                    for officer in STAFF_IDS:
                        api.add_callback(officer, claim, card["message_id"], chat_id=STAFF_CHAT)
                await until(lambda: True if len(api.calls_to("answerCallbackQuery")) >= users * (1 + len(STAFF_IDS))
                            else None)
                for n, card in enumerate(cards):
                    api.add_text(STAFF_IDS[n % len(STAFF_IDS)], f"值班民警回复{n}", chat_id=STAFF_CHAT,
                                 chat_type="supergroup", reply_to_message_id=card["message_id"])
                await until(lambda: True if sum(1 for call in api.calls_to("sendMessage")
                                                if "值班民警回复" in str(call.params.get("text"))) >= users else None)
                for n in range(users):
                    api.add_text(FIRST_USER + n, f"用户回复{n}")
                await until(lambda: True if sum(1 for c in api.calls_to("sendMessage")
                                                if str(c.params.get("chat_id")) == str(STAFF_CHAT)
                                                and "用户回复" in str(c.params.get("text"))) >= users else None)
                await asyncio.sleep(1.0)
            async with Database(config.storage.database) as db:
                claims = await db.fetchall("SELECT id, claimed_by FROM escalations")
                cards_posted = await db.fetchval("SELECT COUNT(DISTINCT card_message_id) FROM escalations")
    first_card = {}
    for call in api.calls_to("sendMessage"):
        if str(call.params.get("chat_id")) == str(STAFF_CHAT) and "dk:claim" in json.dumps(call.params):
            case = str(call.params.get("text", "")).split("#", 1)[1].split()[0] if "#" in str(call.params) else ""
            first_card.setdefault(case, call.time)
    to_officer = Counter(int(c.params["chat_id"]) for c in api.calls_to("sendMessage")
                         if "值班民警回复" in str(c.params.get("text")))
    # Relays are new messages; the card, edited in place, also quotes the talk and is not counted.
    to_staff = Counter(str(c.params["text"]).split("用户回复")[1].split()[0] for c in api.calls_to("sendMessage")
                       if str(c.params.get("chat_id")) == str(STAFF_CHAT) and "用户回复" in str(c.params.get("text")))
    order = sorted(pressed.values())
    card_times = sorted(first_card.values())[:users]
    latencies = [(c - p) * 1000 for p, c in zip(order, card_times, strict=False)]
    print(f"users: {users}, officers: {len(STAFF_IDS)}, cases: {len(claims)}, claim presses: {users * len(STAFF_IDS)}")
    print(f"request → card in staff chat: p50 {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms "
          f"(all {users} requests injected at once)")
    winners = Counter(str(c.params.get("text", "")).split("#")[1].split("。")[0].split(".")[0]
                      for c in api.calls_to("answerCallbackQuery") if "你已认领" in str(c.params.get("text", "")))
    print(f"cases claimed: {sum(1 for c in claims if c['claimed_by'])}/{len(claims)}; officers told they won: "
          f"{dict(Counter(winners.values()))} (cases → winners); cards posted: {cards_posted}")
    print("officer-message counts:", Counter(to_officer.values()), "missing:", users - len(to_officer))
    print("user-message counts:", Counter(to_staff.values()), "missing:", users - len(to_staff))
    print(f"officer messages relayed once: {sum(1 for v in to_officer.values() if v == 1)}/{users}; "
          f"user messages relayed once: {sum(1 for v in to_staff.values() if v == 1)}/{users}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    asyncio.run(main(parser.parse_args().users))
