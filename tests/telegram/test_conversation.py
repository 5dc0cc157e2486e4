"""A worker's conversation with the bot, end to end through the fake Bot API."""

from __future__ import annotations

import pytest

from bot.storage.db import Database
from tests.fakes.bot_api import FakeBotApi
from tests.telegram.harness import bot_config, running_bot

USER = 4242
SCAM = "一个自称上海公安的人说我卡涉嫌洗钱，让我把钱转到安全账户，是真的吗？"


@pytest.fixture
def config(fake_bot_api: FakeBotApi, tmp_path):
    return bot_config(fake_bot_api, tmp_path / "bot.sqlite3")


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_scam_question_gets_high_risk_verdict_with_buttons(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        fake_bot_api.add_text(USER, SCAM)
        [reply] = await fake_bot_api.wait_for_messages(USER, 1)
    assert "停" in reply["text"] and "安全账户" in reply["text"]
    data = buttons(reply)
    assert any(d.startswith("officer:") for d in data) and any(d.startswith("paid:") for d in data)
    assert any(d.startswith("fb:") for d in data)
    async with Database(config.storage.database) as db:
        row = await db.fetchone("SELECT risk, scam_type, reply_state FROM inquiries")
    assert (row["risk"], row["scam_type"], row["reply_state"]) == ("high", "impersonate_police", "sent")


async def test_english_user_gets_english_reply(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        fake_bot_api.add_text(USER, "Someone from the police says my card is in a money-laundering case and "
                                    "I must move money to a safe account", language_code="en")
        [reply] = await fake_bot_api.wait_for_messages(USER, 1)
    assert "scam" in reply["text"].lower()


@pytest.mark.parametrize(
    ("inject", "expected"),
    [
        (lambda api: api.add_sticker(USER), "表情"),
        (lambda api: api.add_voice(USER), "语音"),
        (lambda api: api.add_location(USER, 29.87, 121.55), "位置"),
        (lambda api: api.add_text(USER, "😀😀😀"), "文字"),
        (lambda api: api.add_text(USER, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e"), "文字"),
    ],
)
async def test_bad_input_gets_a_polite_answer(fake_bot_api: FakeBotApi, config, inject, expected) -> None:
    async with running_bot(config):
        inject(fake_bot_api)
        [reply] = await fake_bot_api.wait_for_messages(USER, 1)
    assert expected in reply["text"]


async def test_huge_message_is_answered_in_pieces_within_the_limit(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        fake_bot_api.add_text(USER, SCAM + "啊" * 4000)
        [reply] = await fake_bot_api.wait_for_messages(USER, 1)
    assert len(reply["text"]) <= 4096


async def test_blocked_user_does_not_crash_the_bot(fake_bot_api: FakeBotApi, config) -> None:
    fake_bot_api.add_text(USER, SCAM)
    fake_bot_api.block_user(USER)  # blocked between writing and the bot's answer
    fake_bot_api.add_text(USER + 1, SCAM)
    async with running_bot(config):
        await fake_bot_api.wait_for_messages(USER + 1, 1)
    async with Database(config.storage.database) as db:
        states = [r[0] for r in await db.fetchall("SELECT reply_state FROM inquiries ORDER BY id")]
    assert sorted(states) == ["failed", "sent"]


async def test_rate_limited_send_is_retried(fake_bot_api: FakeBotApi, config) -> None:
    fake_bot_api.fail_next("sendMessage", error_code=429, retry_after=1)
    async with running_bot(config):
        fake_bot_api.add_text(USER, SCAM)
        [reply] = await fake_bot_api.wait_for_messages(USER, 1, timeout=8)
    assert "安全账户" in reply["text"]


async def test_edited_message_is_judged_again(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        update_id = fake_bot_api.add_text(USER, "你好")
        await fake_bot_api.wait_for_messages(USER, 1)
        fake_bot_api.add_edited_text(USER, fake_bot_api.message_id_of(update_id), SCAM)
        replies = await fake_bot_api.wait_for_messages(USER, 2)
    assert "修改" in replies[1]["text"]


async def test_start_registers_menu_and_explains_privacy(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        fake_bot_api.add_text(USER, "/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        replies = await fake_bot_api.wait_for_messages(USER, 2)
    assert "90" in replies[0]["text"]
    assert fake_bot_api.commands(language_code="en") and fake_bot_api.commands()


async def test_types_browser_and_language_choice(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    async with running_bot(config):
        api.add_text(USER, "/types", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        [menu] = await api.wait_for_messages(USER, 1)
        first_type = buttons(menu)[0]
        api.add_callback(USER, first_type, menu["message_id"])
        [_, detail] = await api.wait_for_messages(USER, 2)
        api.add_text(USER, "/lang", entities=[{"type": "bot_command", "offset": 0, "length": 5}])
        chooser = (await api.wait_for_messages(USER, 3))[-1]
        api.add_callback(USER, "lang:en", chooser["message_id"])
        await api.wait_for(lambda c: c.method == "editMessageText" and "English" in str(c.params.get("text")))
        api.add_text(USER, SCAM)
        replies = await api.wait_for_messages(USER, 4)
    assert "识别要点" in detail["text"]
    assert "Stop" in replies[-1]["text"] or "scam" in replies[-1]["text"].lower()


async def test_i_already_paid_gives_stop_loss_steps_at_once(fake_bot_api: FakeBotApi, config) -> None:
    api = fake_bot_api
    api.group_chat(-100500, "值班台")
    async with running_bot(config):
        api.add_text(USER, SCAM)
        [verdict] = await api.wait_for_messages(USER, 1)
        paid = next(b for b in buttons(verdict) if b.startswith("paid:"))
        api.add_callback(USER, paid, verdict["message_id"])
        replies = await api.wait_for_messages(USER, 3)
    assert "110" in replies[1]["text"] and "冻结" in replies[1]["text"]
    async with Database(config.storage.database) as db:
        assert await db.fetchval("SELECT priority FROM escalations") == "urgent"


def test_long_replies_are_split_at_paragraphs_within_the_limit() -> None:
    from bot.telegram.sending import split_message

    paragraphs = ["第" + str(n) + "段：" + "提醒" * 300 for n in range(12)]
    parts = split_message("\n\n".join(paragraphs))
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert all(p.startswith("第") for p in parts), "every piece starts at a paragraph"
    assert "".join(parts).replace("\n", "") == "".join(paragraphs)
