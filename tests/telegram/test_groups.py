"""In group chats the bot stays quiet unless addressed, and warns only about high-confidence scams."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.telegram.harness import bot_config, running_bot

GROUP = -100777
MEMBER = 4343


@pytest.fixture
def config(fake_bot_api: FakeBotApi, tmp_path):
    fake_bot_api.group_chat(GROUP, "工友群")
    return bot_config(fake_bot_api, tmp_path / "bot.sqlite3")


def say(api: FakeBotApi, text: str, **options: object) -> int:
    return api.add_text(MEMBER, text, chat_id=GROUP, chat_type="supergroup", **options)


async def test_ordinary_group_talk_gets_no_answer(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        say(fake_bot_api, "今晚加班到几点？")
        say(fake_bot_api, "明天食堂有红烧肉")
        await asyncio.sleep(1.0)
    assert fake_bot_api.sent_messages(GROUP) == []


async def test_high_confidence_scam_in_a_group_gets_one_short_warning(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        say(fake_bot_api, "【上海市公安局】你涉嫌洗钱，立即把存款转到安全账户接受审查，不要告诉家人")
        [warning] = await fake_bot_api.wait_for_messages(GROUP, 1)
    assert "⚠️" in warning["text"] and len(warning["text"]) < 200


async def test_mentioned_bot_answers_but_never_says_no_red_flag_in_a_group(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        say(fake_bot_api, "@fraudbot_test_bot 今天天气怎么样")
        [reply] = await fake_bot_api.wait_for_messages(GROUP, 1)
        say(fake_bot_api, "@fraudbot_test_bot 有人让我刷单先垫付500元，做完返佣金，靠谱吗")
        replies = await fake_bot_api.wait_for_messages(GROUP, 2)
    assert "暂未发现" not in reply["text"] and "私聊" in reply["text"]
    assert "刷单" in replies[1]["text"] or "返利" in replies[1]["text"]


async def test_officer_button_in_a_group_asks_for_a_private_chat(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        say(fake_bot_api, "@fraudbot_test_bot 有人让我刷单先垫付500元，做完返佣金，靠谱吗")
        [reply] = await fake_bot_api.wait_for_messages(GROUP, 1)
        officer = next(b["callback_data"] for row in reply["reply_markup"]["inline_keyboard"] for b in row
                       if b["callback_data"].startswith("officer:"))
        fake_bot_api.add_callback(MEMBER, officer, reply["message_id"], chat_id=GROUP)
        answer = await fake_bot_api.wait_for(lambda c: c.method == "answerCallbackQuery")
        await asyncio.sleep(0.3)
    assert "私聊" in answer.params.get("text", "")
    assert len(fake_bot_api.sent_messages(GROUP)) == 1
