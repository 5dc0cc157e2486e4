"""The staff desk end to end: real client, fake Bot API over loopback, real SQLite."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.db import Database
from tests.fakes.bot_api import FakeBotApi
from tests.telegram.harness import STAFF_CHAT, STAFF_IDS, bot_config, running_bot

USER = 5151
OFFICER, OTHER_OFFICER = STAFF_IDS[0], STAFF_IDS[1]
STRANGER = 777
SCAM = "客服说我的快递丢了要理赔，让我加微信扫二维码先交保证金"


@pytest.fixture
def config(fake_bot_api: FakeBotApi, tmp_path):
    fake_bot_api.group_chat(STAFF_CHAT, "值班台")
    return bot_config(fake_bot_api, tmp_path / "bot.sqlite3")


def staff_messages(api: FakeBotApi) -> list[dict]:
    return api.sent_messages(STAFF_CHAT)


def button(message: dict, prefix: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next(b["callback_data"] for row in rows for b in row if b["callback_data"].startswith(prefix))


async def ask_and_press(api: FakeBotApi, prefix: str) -> dict:
    """The user asks, presses a button under the verdict; returns the card posted to the staff chat."""
    api.add_text(USER, SCAM)
    [verdict] = await api.wait_for_messages(USER, 1)
    api.add_callback(USER, button(verdict, prefix), verdict["message_id"])
    [card] = await api.wait_for_messages(STAFF_CHAT, 1)
    return card


async def test_whole_life_of_a_case(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        card = await ask_and_press(api, "paid:")
        assert "#1" in card["text"] and any(b.startswith("dk:claim") for b in [button(card, "dk:claim")])
        user_msgs = await api.wait_for_messages(USER, 3)
        assert any("110" in m["text"] for m in user_msgs[1:]), "urgent steps without waiting for a person"

        api.add_callback(OFFICER, button(card, "dk:claim"), card["message_id"], chat_id=STAFF_CHAT)
        await api.wait_for(lambda c: (c.method == "editMessageText" and "已认领" in str(c.params.get("text", "")))
                           or c.method == "editMessageText")
        joined = await api.wait_for_messages(USER, 4)
        assert "民警" in joined[-1]["text"]

        api.add_text(OFFICER, "你好，我是值班民警，请先不要再转账。", chat_id=STAFF_CHAT, chat_type="supergroup",
                     reply_to_message_id=card["message_id"])
        relayed = await api.wait_for_messages(USER, 5)
        assert "不要再转账" in relayed[-1]["text"] and "值班民警" in relayed[-1]["text"]

        api.add_text(USER, "好的，我已经打了96110")
        to_staff = await api.wait_for_messages(STAFF_CHAT, 2)
        assert "96110" in to_staff[-1]["text"]

        api.add_text(OFFICER, "/close 1 prevented 40000 已劝阻", chat_id=STAFF_CHAT, chat_type="supergroup",
                     entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        closing = await api.wait_for_messages(USER, 6)
        rate = button(closing[-1], "rate:")
        api.add_callback(USER, rate, closing[-1]["message_id"])
        await api.wait_for(lambda c: c.method == "editMessageText" and c.params.get("chat_id") in (USER, str(USER)))

    async with Database(config.storage.database) as db:
        case = await db.fetchone("SELECT status, outcome, amount, rating, priority FROM escalations")
        actions = [r[0] for r in await db.fetchall("SELECT action FROM audit_log WHERE allowed = 1")]
    assert (case["status"], case["outcome"], case["amount"], case["priority"]) == ("closed", "prevented", 40000,
                                                                                   "urgent")
    assert case["rating"] is not None
    assert {"claim", "close"} <= set(actions)


async def test_non_staff_cannot_claim(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        card = await ask_and_press(api, "officer:")
        api.add_callback(STRANGER, button(card, "dk:claim"), card["message_id"], chat_id=STAFF_CHAT)
        answer = await api.wait_for(lambda c: c.method == "answerCallbackQuery" and c.params.get("show_alert"))
    assert "值班" in answer.params.get("text", "")
    async with Database(config.storage.database) as db:
        status = await db.fetchval("SELECT status FROM escalations")
        denied = await db.fetchval("SELECT COUNT(*) FROM audit_log WHERE allowed = 0 AND actor_id = ?", (STRANGER,))
    assert status == "open" and denied >= 1


async def test_concurrent_claims_have_exactly_one_winner(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        card = await ask_and_press(api, "officer:")
        for officer in STAFF_IDS:
            api.add_callback(officer, button(card, "dk:claim"), card["message_id"], chat_id=STAFF_CHAT)
        for _ in range(50):
            if len(api.calls_to("answerCallbackQuery")) >= len(STAFF_IDS):
                break
            await asyncio.sleep(0.1)
    async with Database(config.storage.database) as db:
        claims = await db.fetchval("SELECT COUNT(*) FROM audit_log WHERE action = 'claim' AND allowed = 1")
        holder = await db.fetchval("SELECT claimed_by FROM escalations")
    assert holder in STAFF_IDS
    joined = [m for m in api.sent_messages(USER) if "民警" in m["text"] and "接手" in m["text"]]
    assert len(joined) == 1 and claims >= 1


async def test_user_blocking_the_bot_mid_case_is_reported_to_staff(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        card = await ask_and_press(api, "officer:")
        api.block_user(USER)
        api.add_text(OFFICER, "请问你转账了吗？", chat_id=STAFF_CHAT, chat_type="supergroup",
                     reply_to_message_id=card["message_id"])
        notes = await api.wait_for_messages(STAFF_CHAT, 2)
    assert "#1" in notes[-1]["text"]
    async with Database(config.storage.database) as db:
        assert await db.fetchval("SELECT user_unreachable_at IS NOT NULL FROM escalations")


async def test_restart_keeps_open_cases_and_cards_working(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        card = await ask_and_press(api, "officer:")
    async with running_bot(config):
        api.add_callback(OFFICER, button(card, "dk:claim"), card["message_id"], chat_id=STAFF_CHAT)
        api.add_text(OFFICER, "重启后还能联系到你吗？", chat_id=STAFF_CHAT, chat_type="supergroup",
                     reply_to_message_id=card["message_id"])
        await api.wait_for(lambda c: c.method == "sendMessage" and "重启后" in str(c.params.get("text", "")))
    async with Database(config.storage.database) as db:
        assert await db.fetchval("SELECT status FROM escalations") == "claimed"


async def test_user_messages_go_to_the_officer_until_cancelled(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        await ask_and_press(api, "officer:")
        await api.wait_for_messages(USER, 2)  # the verdict, then "you are number 1 in the queue"
        before = len(api.sent_messages(USER))
        api.add_text(USER, "一个自称上海公安的人让我转到安全账户")
        await api.wait_for_messages(STAFF_CHAT, 2)
        assert len(api.sent_messages(USER)) == before, "the engine must not answer during an open case"
        api.add_text(USER, "/cancel", entities=[{"type": "bot_command", "offset": 0, "length": 7}])
        await api.wait_for_messages(USER, before + 1)
        api.add_text(USER, "一个自称上海公安的人让我转到安全账户")
        replies = await api.wait_for_messages(USER, before + 2)
    assert "安全账户" in replies[-1]["text"]


async def test_report_sends_a_clue_to_staff(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        api.add_text(USER, "/report", entities=[{"type": "bot_command", "offset": 0, "length": 7}])
        await api.wait_for_messages(USER, 1)
        api.add_text(USER, "有个号码17012345678冒充客服，网址 http://tb-refund.top")
        thanks = await api.wait_for_messages(USER, 2)
        [card] = await api.wait_for_messages(STAFF_CHAT, 1)
    assert "#" in thanks[-1]["text"]
    assert "17012345678" not in card["text"], "phone numbers are masked on cards by default"


async def test_a_case_gets_one_card_when_the_request_and_the_announcer_race(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config) as application:
        bridge = application.bot_data["services"].extras["desk_bridge"]
        api.add_text(USER, SCAM)
        [verdict] = await api.wait_for_messages(USER, 1)
        result = await bridge.desk.open_case(bridge._request(
            await _update_for(application, verdict), "zh", "user_request", "normal", inquiry_id=None,
            text="需要民警", verdict=None))
        await asyncio.gather(bridge.post_card(result.case), bridge.announce_due(), bridge.post_card(result.case))
    cards = [m for m in api.sent_messages(STAFF_CHAT) if "dk:claim" in str(m.get("reply_markup"))]
    assert len(cards) == 1


async def _update_for(application, message: dict):
    from telegram import Update

    return Update.de_json({"update_id": 1, "message": {**message, "from": {"id": USER, "is_bot": False,
                                                                           "first_name": "测试用户"}}},
                          application.bot)


async def test_forum_topics_give_each_case_its_own_thread(fake_bot_api: FakeBotApi, tmp_path) -> None:
    api = fake_bot_api
    api.forum_chat(STAFF_CHAT, "值班台")
    config = bot_config(api, tmp_path / "forum.sqlite3")
    async with running_bot(config):
        card = await ask_and_press(api, "officer:")
        topic = card.get("message_thread_id")
        assert topic, "the card is posted inside a new forum topic"
        api.add_text(OFFICER, "我是值班民警，请问对方让你扫的是什么码？", chat_id=STAFF_CHAT, chat_type="supergroup",
                     message_thread_id=topic)
        await api.wait_for(lambda c: c.method == "sendMessage" and str(c.params.get("chat_id")) == str(USER)
                           and "扫的是什么码" in str(c.params.get("text")))
    assert api.calls_to("createForumTopic")


async def test_queue_and_stats_for_staff_only(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        await ask_and_press(api, "officer:")
        api.add_text(OFFICER, "/queue", chat_id=STAFF_CHAT, chat_type="supergroup",
                     entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        api.add_text(OFFICER, "/stats week", chat_id=STAFF_CHAT, chat_type="supergroup",
                     entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        api.add_text(STRANGER, "/queue", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        staff = await api.wait_for_messages(STAFF_CHAT, 3)
        [refusal] = await api.wait_for_messages(STRANGER, 1)
    texts = "\n".join(m["text"] for m in staff[1:])
    assert "#1" in texts and "值班" in refusal["text"]
