"""The weekly bulletin on Telegram: staff import and preview, publish, subscribers receive it."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.bulletin.area import load_area
from bot.services.bulletin.demo import cases_to_csv, generate_demo_cases
from bot.services.bulletin.week import IsoWeek
from bot.storage.db import Database
from tests.fakes.bot_api import FakeBotApi
from tests.telegram.harness import STAFF_CHAT, STAFF_IDS, bot_config, running_bot

OFFICER = STAFF_IDS[0]
WEEK = IsoWeek.parse("2026-W23")
SUBSCRIBERS = (6001, 6002, 6003)


@pytest.fixture
def config(fake_bot_api: FakeBotApi, tmp_path):
    fake_bot_api.group_chat(STAFF_CHAT, "值班台")
    return bot_config(fake_bot_api, tmp_path / "bot.sqlite3",
                      bulletin={"broadcast": {"messages_per_second": 29, "per_chat_interval_seconds": 0.05}})


def demo_csv() -> bytes:
    area = load_area("ningbo")
    cases = generate_demo_cases(area, weeks=4, end_week=WEEK, seed=3)
    return cases_to_csv(cases, area).encode("utf-8")


def command(api: FakeBotApi, user: int, text: str, **options: object) -> int:
    return api.add_text(user, text, entities=[{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
                        **options)


async def subscribe(api: FakeBotApi, user: int, district: str | None) -> None:
    command(api, user, "/subscribe")
    [keyboard] = await api.wait_for_messages(user, 1)
    if district:
        api.add_callback(user, f"sub:d:{district}", keyboard["message_id"])
        await api.wait_for(lambda c: c.method == "editMessageReplyMarkup" and str(c.params.get("chat_id")) == str(user))
        api.add_callback(user, "sub:done", keyboard["message_id"])
    else:
        api.add_callback(user, "sub:all", keyboard["message_id"])
    await api.wait_for(lambda c: c.method == "editMessageText" and str(c.params.get("chat_id")) == str(user))


async def test_staff_import_preview_publish_and_subscribers_receive_it(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    area = load_area("ningbo")
    district = area.districts[0]
    async with running_bot(config):
        await subscribe(api, SUBSCRIBERS[0], district.id)
        await subscribe(api, SUBSCRIBERS[1], None)
        await subscribe(api, SUBSCRIBERS[2], None)
        api.add_document(OFFICER, demo_csv(), "cases.csv", "text/csv", caption="/bulletin 2026-W23",
                         chat_id=STAFF_CHAT, chat_type="supergroup")
        preview = await api.wait_for(lambda c: c.method == "sendMessage" and "bl:pub:" in str(c.params), timeout=30)
        assert any(c.method == "sendPhoto" for c in api.calls)
        button = next(b["callback_data"] for row in preview.result["reply_markup"]["inline_keyboard"] for b in row)
        api.add_callback(OFFICER, button, preview.result["message_id"], chat_id=STAFF_CHAT)
        await api.wait_for(lambda c: c.method == "sendMessage" and "推送完成" in str(c.params.get("text", "")),
                           timeout=30)
    own = [m for m in api.sent_messages(SUBSCRIBERS[0]) if m.get("text") and "反诈" in m["text"]]
    other = [m for m in api.sent_messages(SUBSCRIBERS[1]) if m.get("text") and "反诈" in m["text"]]
    assert own and other
    assert own[-1]["text"].startswith(district.short.get("zh")) or district.short.get("zh") in \
        own[-1]["text"].split("\n")[0]
    photos = [c for c in api.calls_to("sendPhoto") if str(c.params.get("chat_id")) == str(SUBSCRIBERS[2])]
    assert len(photos) == 1


async def test_non_staff_cannot_build_or_publish(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        command(api, 4444, "/bulletin 2026-W23")
        [answer] = await api.wait_for_messages(4444, 1)
        command(api, 4444, "/publish 1")
        answers = await api.wait_for_messages(4444, 2)
    assert all("值班" in a["text"] for a in [answer, *answers])
    async with Database(config.storage.database) as db:
        assert await db.fetchval("SELECT COUNT(*) FROM bulletins") == 0


async def test_bad_csv_is_reported_by_line_and_nothing_is_kept(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    bad = demo_csv().decode("utf-8").splitlines()
    bad[5] = bad[5].replace(",", ",not-a-date,", 1) if False else bad[5] + ",extra,fields"
    async with running_bot(config):
        api.add_document(OFFICER, "\n".join(bad).encode("utf-8"), "bad.csv", "text/csv", caption="/bulletin",
                         chat_id=STAFF_CHAT, chat_type="supergroup")
        reply = await api.wait_for(lambda c: c.method == "sendMessage" and "导入失败" in str(c.params.get("text", "")),
                                   timeout=15)
    assert "6" in reply.params["text"]
    async with Database(config.storage.database) as db:
        assert await db.fetchval("SELECT COUNT(*) FROM cases") == 0


async def test_blocked_subscriber_is_unsubscribed(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        await subscribe(api, SUBSCRIBERS[0], None)
        await subscribe(api, SUBSCRIBERS[1], None)
        api.block_user(SUBSCRIBERS[0])
        api.add_document(OFFICER, demo_csv(), "cases.csv", "text/csv", caption="/bulletin 2026-W23",
                         chat_id=STAFF_CHAT, chat_type="supergroup")
        await api.wait_for(lambda c: c.method == "sendMessage" and "bl:pub:" in str(c.params), timeout=30)
        command(api, OFFICER, "/publish", chat_id=STAFF_CHAT, chat_type="supergroup")
        await api.wait_for(lambda c: c.method == "sendMessage" and "推送完成" in str(c.params.get("text", "")),
                           timeout=30)
        await asyncio.sleep(0.1)
    async with Database(config.storage.database) as db:
        active = await db.fetchval("SELECT active FROM subscriptions WHERE user_id = ?", (SUBSCRIBERS[0],))
    assert active == 0


async def test_building_without_data_explains_in_chinese(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        command(api, OFFICER, "/bulletin 2026-W23", chat_id=STAFF_CHAT, chat_type="supergroup")
        [answer] = await api.wait_for_messages(STAFF_CHAT, 1)
    assert "还没有导入任何案件数据" in answer["text"]
