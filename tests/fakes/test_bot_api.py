"""The fake Bot API, driven by the real python-telegram-bot over loopback HTTP."""

import asyncio
import datetime as dtm
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from .bot_api import FakeBotApi

USER = 4242
OTHER_USER = 5151
STAFF_GROUP = -1001234567890


@pytest.fixture(autouse=True)
def timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on int durations (RetryAfter.retry_after, Voice.duration) unless opted in."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


def png_bytes(width: int = 600, height: int = 400) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(buffer, "PNG")
    return buffer.getvalue()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(item, callback_data=item) for item in data]])


# -- getMe, getUpdates, offsets, long polling ------------------------------------------------------


async def test_get_me_describes_the_configured_bot(bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (123456, "fraudbot_test_bot", True)


async def test_injected_command_arrives_with_a_bot_command_entity(fake: FakeBotApi, bot: Bot) -> None:
    update_id = fake.add_text(USER, "/start campaign", first_name="阿明")

    [update] = await bot.get_updates()

    assert update.update_id == update_id
    assert update.message.text == "/start campaign"
    assert update.message.from_user.first_name == "阿明"
    assert update.message.from_user.language_code == "zh-hans"
    assert update.message.chat.type == "private"
    assert update.message.date.year >= 2024
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [("bot_command", 0, 6)]


async def test_confirming_an_offset_drops_earlier_updates_for_good(fake: FakeBotApi, bot: Bot) -> None:
    first = fake.add_text(USER, "一")
    second = fake.add_text(USER, "二")

    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]  # unconfirmed: sent again
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert [u.update_id for u in await bot.get_updates(offset=first)] == [second]  # first is gone
    assert fake.confirmed_offset == second
    assert await bot.get_updates(offset=second + 1) == ()
    assert fake.pending_updates == []


async def test_negative_offset_keeps_only_the_newest_updates(fake: FakeBotApi, bot: Bot) -> None:
    update_ids = [fake.add_text(USER, str(n)) for n in range(4)]

    assert [u.update_id for u in await bot.get_updates(offset=-1)] == update_ids[-1:]
    assert [u.update_id for u in await bot.get_updates()] == update_ids[-1:]


async def test_limit_caps_the_batch_without_confirming(fake: FakeBotApi, bot: Bot) -> None:
    update_ids = [fake.add_text(USER, str(n)) for n in range(5)]

    assert [u.update_id for u in await bot.get_updates(limit=2)] == update_ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=update_ids[2])] == update_ids[2:]


async def test_long_poll_returns_as_soon_as_an_update_is_queued(fake: FakeBotApi, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    fake.add_text(USER, "在吗")

    [update] = await poll

    assert update.message.text == "在吗"
    assert time.monotonic() - started < 1.0


async def test_long_poll_without_updates_waits_for_its_timeout(bot: Bot) -> None:
    started = time.monotonic()

    updates = await bot.get_updates(timeout=dtm.timedelta(seconds=0.3))

    assert updates == ()
    assert 0.3 <= time.monotonic() - started < 1.0


async def test_a_second_get_updates_terminates_the_first_with_conflict(fake: FakeBotApi, bot: Bot) -> None:
    async with Bot(fake.token, base_url=fake.base_url) as second_instance:
        first_poll = asyncio.create_task(bot.get_updates(timeout=5))
        await fake.wait_for("getUpdates", timeout=1, answered=False)
        await second_instance.get_updates()

        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first_poll


async def test_allowed_updates_filters_what_get_updates_delivers(fake: FakeBotApi, bot: Bot) -> None:
    sent = await send_to_new_user(fake, bot, "选一个", reply_markup=keyboard("yes"))
    fake.add_text(USER, "文字")
    callback = fake.add_callback(USER, "yes", sent.message_id)

    updates = await bot.get_updates(allowed_updates=["callback_query"])

    assert [u.update_id for u in updates] == [callback]


async def test_get_updates_conflicts_while_a_webhook_is_set(fake: FakeBotApi, bot: Bot) -> None:
    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")

    assert fake.webhook_url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_delete_webhook_can_drop_pending_updates(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_text(USER, "旧消息")

    await bot.delete_webhook(drop_pending_updates=True)

    assert await bot.get_updates() == ()


@pytest.mark.slow
async def test_polling_application_echoes_and_confirms_every_update(fake: FakeBotApi) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"收到：{update.message.text}")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    fake.add_text(USER, "轮询前")
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=5)
        await fake.wait_for_messages(USER, 1)
        # Wait until the updater sits in its next long poll, so the update below has to wake it.
        await fake.wait_for(
            lambda c: c.method == "getUpdates" and c.params.get("offset", 0) > 0, answered=False
        )
        started = time.monotonic()
        last = fake.add_text(USER, "轮询中")
        replies = await fake.wait_for_messages(USER, 2)
        reply_latency = time.monotonic() - started
        await app.updater.stop()
        await app.stop()

    assert [m["text"] for m in replies] == ["收到：轮询前", "收到：轮询中"]
    assert reply_latency < 1.0
    assert fake.confirmed_offset == last + 1
    assert fake.pending_updates == []
    assert fake.unknown_calls == []


# -- sending, formatting, replies ------------------------------------------------------------------


async def send_to_new_user(fake: FakeBotApi, bot: Bot, text: str, **kwargs: Any) -> Message:
    fake.private_chat(USER)
    return await bot.send_message(USER, text, **kwargs)


async def test_html_is_parsed_into_plain_text_and_entities(fake: FakeBotApi, bot: Bot) -> None:
    sent = await send_to_new_user(fake, bot, "<b>高风险</b>：不要转账 &lt;安全账户&gt;", parse_mode="HTML")

    assert sent.text == "高风险：不要转账 <安全账户>"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 3)]
    assert fake.sent_messages(USER)[0]["text"] == sent.text


async def test_malformed_html_is_rejected_as_telegram_does(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(
        BadRequest, match='Can\'t parse entities: unsupported start tag "3" at byte offset 21'
    ):
        await send_to_new_user(fake, bot, "<b>金额</b> 少于 <3 千元", parse_mode="HTML")
    assert fake.sent_messages() == []


async def test_markdown_v2_requires_reserved_characters_escaped(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"character '\.' is reserved"):
        await send_to_new_user(fake, bot, "*注意* 年化 12.5%", parse_mode="MarkdownV2")

    sent = await bot.send_message(USER, "*注意* 年化 12\\.5%", parse_mode="MarkdownV2")

    assert sent.text == "注意 年化 12.5%"


async def test_message_ids_count_up_per_chat_across_user_and_bot(fake: FakeBotApi, bot: Bot) -> None:
    first_question = fake.message_id_of(fake.add_text(USER, "问题"))
    answer = await bot.send_message(USER, "回答")
    fake.add_text(OTHER_USER, "别人的问题")
    other_answer = await bot.send_message(OTHER_USER, "别人的回答")
    follow_up = fake.message_id_of(fake.add_text(USER, "追问"))

    assert (first_question, answer.message_id, follow_up) == (1, 2, 3)
    assert other_answer.message_id == 2


async def test_user_reply_to_a_bot_message_carries_that_message(fake: FakeBotApi, bot: Bot) -> None:
    card = await send_to_new_user(fake, bot, "请描述对方的要求", reply_markup=keyboard("skip"))
    fake.add_text(USER, "他让我下载会议软件", reply_to_message_id=card.message_id)

    [update] = await bot.get_updates()

    replied = update.message.reply_to_message
    assert replied.message_id == card.message_id
    assert replied.from_user.id == 123456
    assert replied.text == "请描述对方的要求"
    assert replied.reply_markup == keyboard("skip")


async def test_replying_to_a_missing_message_is_a_bad_request(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await send_to_new_user(fake, bot, "你好", reply_to_message_id=99)


async def test_bot_cannot_start_a_conversation_or_reach_unknown_groups(bot: Bot) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(USER, "你好")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(STAFF_GROUP, "新案件")


async def test_reply_keyboards_are_kept_for_inspection_but_not_echoed(fake: FakeBotApi, bot: Bot) -> None:
    sent = await send_to_new_user(
        fake, bot, "选择语言", reply_markup=ReplyKeyboardMarkup([["中文", "English"]])
    )

    assert sent.reply_markup is None
    assert fake.sent_messages(USER)[0]["reply_markup"]["keyboard"] == [
        [{"text": "中文"}, {"text": "English"}]
    ]


async def test_callback_data_longer_than_64_bytes_is_rejected(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await send_to_new_user(fake, bot, "按钮", reply_markup=keyboard("案" * 22))


# -- callbacks and edits ---------------------------------------------------------------------------


async def test_callback_query_carries_the_message_and_can_be_answered_once(
    fake: FakeBotApi, bot: Bot
) -> None:
    card = await send_to_new_user(fake, bot, "已付款了吗？", reply_markup=keyboard("paid", "not_paid"))
    fake.add_callback(USER, "paid", card.message_id)

    [update] = await bot.get_updates()

    query = update.callback_query
    assert (query.data, query.from_user.id, query.message.message_id) == ("paid", USER, card.message_id)
    assert query.message.reply_markup == keyboard("paid", "not_paid")
    assert await query.answer("已记录") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()


async def test_editing_text_without_markup_drops_the_keyboard(fake: FakeBotApi, bot: Bot) -> None:
    card = await send_to_new_user(fake, bot, "待认领", reply_markup=keyboard("claim"))

    edited = await bot.edit_message_text("已认领：王警官", chat_id=USER, message_id=card.message_id)

    assert edited.text == "已认领：王警官"
    assert edited.reply_markup is None
    assert edited.edit_date is not None
    assert fake.sent_messages(USER)[0]["text"] == "已认领：王警官"


async def test_an_edit_that_changes_nothing_is_not_modified(fake: FakeBotApi, bot: Bot) -> None:
    card = await send_to_new_user(fake, bot, "待认领", reply_markup=keyboard("claim"))

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, card.message_id, reply_markup=keyboard("claim"))
    edited = await bot.edit_message_reply_markup(USER, card.message_id, reply_markup=keyboard("close"))
    assert edited.reply_markup == keyboard("close")


async def test_users_messages_cannot_be_edited_by_the_bot(fake: FakeBotApi, bot: Bot) -> None:
    question = fake.message_id_of(fake.add_text(USER, "问题"))

    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("改写", chat_id=USER, message_id=question)


async def test_user_edit_arrives_as_edited_message(fake: FakeBotApi, bot: Bot) -> None:
    question = fake.message_id_of(fake.add_text(USER, "对方要我转账"))
    fake.add_edited_text(USER, question, "对方要我转账5000元")

    updates = await bot.get_updates()

    assert updates[-1].edited_message.text == "对方要我转账5000元"
    assert updates[-1].edited_message.message_id == question


async def test_deleted_messages_leave_the_sent_list(fake: FakeBotApi, bot: Bot) -> None:
    notice = await send_to_new_user(fake, bot, "正在分析…")

    assert await bot.delete_message(USER, notice.message_id) is True
    assert fake.sent_messages(USER) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, notice.message_id)


# -- files -----------------------------------------------------------------------------------------


async def test_uploaded_document_round_trips_through_get_file(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)
    payload = "id,district\n1,海曙区\n".encode()

    sent = await bot.send_document(USER, payload, filename="cases.csv", caption="本周案件")
    file = await bot.get_file(sent.document.file_id)

    assert (sent.document.file_name, sent.document.file_size, sent.caption) == (
        "cases.csv",
        len(payload),
        "本周案件",
    )
    assert file.file_path.startswith(fake.base_file_url)
    assert bytes(await file.download_as_bytearray()) == payload
    resent = await bot.send_document(USER, sent.document.file_id)
    assert resent.document.file_id == sent.document.file_id


async def test_uploaded_photo_gets_thumbnails_and_keeps_its_bytes(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)
    image = png_bytes()

    sent = await bot.send_photo(USER, image, caption="地图")
    largest = await (await bot.get_file(sent.photo[-1].file_id)).download_as_bytearray()

    assert [(p.width, p.height) for p in sent.photo] == [(90, 60), (320, 213), (600, 400)]
    assert bytes(largest) == image
    with pytest.raises(BadRequest, match="Can't use file of type photo as document"):
        await bot.send_document(USER, sent.photo[-1].file_id)


async def test_photos_by_url_and_unknown_file_ids_are_rejected(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)

    with pytest.raises(BadRequest, match="Failed to get http url content"):
        await bot.send_photo(USER, "https://example.org/map.png")
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER, "no-such-file-id")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("no-such-file-id")


async def test_copying_a_user_photo_to_the_staff_group_keeps_its_content(fake: FakeBotApi, bot: Bot) -> None:
    fake.group_chat(STAFF_GROUP, "值班群")
    screenshot = fake.message_id_of(fake.add_photo(USER, png_bytes(), caption="聊天截图"))

    copied = await bot.copy_message(STAFF_GROUP, from_chat_id=USER, message_id=screenshot, caption="用户截图")

    [in_group] = fake.sent_messages(STAFF_GROUP)
    assert in_group["message_id"] == copied.message_id
    assert in_group["caption"] == "用户截图"
    assert in_group["photo"] == fake.message(USER, screenshot)["photo"]


async def test_user_photo_can_be_downloaded_by_the_bot(fake: FakeBotApi, bot: Bot) -> None:
    image = png_bytes(800, 600)
    fake.add_photo(USER, image, caption="这个二维码安全吗")

    [update] = await bot.get_updates()
    photo = update.message.photo
    largest, smallest = await photo[-1].get_file(), await photo[0].get_file()
    downloaded = await largest.download_as_bytearray()
    thumbnail = await smallest.download_as_bytearray()

    assert update.message.caption == "这个二维码安全吗"
    assert bytes(downloaded) == image
    assert Image.open(io.BytesIO(bytes(thumbnail))).size == (90, 68)
    assert [f"{fake.base_file_url}{fake.token}/{path}" for path in fake.downloads] == [
        largest.file_path,
        smallest.file_path,
    ]


async def test_user_document_sticker_voice_and_location_arrive(fake: FakeBotApi, bot: Bot) -> None:
    fake.add_document(USER, b"%PDF-1.4", "合同.pdf", "application/pdf", caption="看看这个合同")
    fake.add_sticker(USER, "😀")
    fake.add_voice(USER, b"OggS", duration=4)
    fake.add_location(USER, 29.87, 121.55)

    messages = [u.message for u in await bot.get_updates()]

    assert (messages[0].document.file_name, messages[0].caption) == ("合同.pdf", "看看这个合同")
    assert messages[1].sticker.emoji == "😀"
    assert messages[2].voice.duration == dtm.timedelta(seconds=4)
    assert (messages[3].location.latitude, messages[3].location.longitude) == (29.87, 121.55)


async def test_unknown_file_path_is_not_found(fake: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as session:
        response = await session.get(f"{fake.base_file_url}{fake.token}/photos/nothing.jpg")

    assert response.status == 404


# -- groups and forum topics -----------------------------------------------------------------------


async def test_forum_topics_thread_bot_and_staff_messages(fake: FakeBotApi, bot: Bot) -> None:
    fake.forum_chat(STAFF_GROUP, "反诈值班台")

    topic = await bot.create_forum_topic(STAFF_GROUP, "案件 #17")
    card = await bot.send_message(STAFF_GROUP, "新案件", message_thread_id=topic.message_thread_id)
    fake.add_text(
        OTHER_USER,
        "我来处理",
        chat_id=STAFF_GROUP,
        chat_type="supergroup",
        message_thread_id=topic.message_thread_id,
    )
    [update] = await bot.get_updates()

    assert topic.message_thread_id > 1
    assert (card.message_thread_id, card.is_topic_message) == (topic.message_thread_id, True)
    staff_message = update.message
    assert staff_message.message_thread_id == topic.message_thread_id
    # As on Telegram: a plain message in a topic "replies" to the topic's creation message.
    assert staff_message.reply_to_message.forum_topic_created.name == "案件 #17"
    chat = await bot.get_chat(STAFF_GROUP)
    assert (chat.title, chat.is_forum) == ("反诈值班台", True)


async def test_topics_need_a_forum_and_an_existing_thread(fake: FakeBotApi, bot: Bot) -> None:
    fake.group_chat(-100777, "普通群")
    fake.forum_chat(STAFF_GROUP)

    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(-100777, "案件")
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(STAFF_GROUP, "卡片", message_thread_id=999)


# -- commands, chat actions, misc ------------------------------------------------------------------


async def test_commands_are_stored_per_scope_and_language(fake: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "开始"), ("help", "帮助")])
    await bot.set_my_commands([("start", "Start")], language_code="en")

    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert fake.commands(language_code="en") == [{"command": "start", "description": "Start"}]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Bad-Command", "x")])


async def test_chat_action_close_and_log_out_are_accepted(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)

    assert await bot.send_chat_action(USER, "typing") is True
    assert await bot.close() is True
    assert await bot.log_out() is True


async def test_unknown_methods_answer_404_and_are_recorded(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": USER})

    [call] = fake.unknown_calls
    assert (call.method, call.status, call.params) == ("sendHologram", 404, {"chat_id": USER})
    assert call.response == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


async def test_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{fake.base_url}999:WRONG/getMe")
        body = await response.json()

    assert (response.status, body["description"]) == (401, "Unauthorized")


async def test_json_urlencoded_and_query_requests_are_all_understood(fake: FakeBotApi) -> None:
    fake.private_chat(USER)
    url = f"{fake.base_url}{fake.token}/sendMessage"
    markup = '{"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}'
    async with aiohttp.ClientSession() as session:
        as_json = await (await session.post(url, json={"chat_id": USER, "text": "123"})).json()
        as_form = await (
            await session.post(url, data={"chat_id": str(USER), "text": "[1]", "reply_markup": markup})
        ).json()
        as_query = await (await session.get(url, params={"chat_id": str(USER), "text": "true"})).json()

    assert [body["result"]["text"] for body in (as_json, as_form, as_query)] == ["123", "[1]", "true"]
    assert as_form["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"


# -- inspection ------------------------------------------------------------------------------------


async def test_wait_for_returns_the_matching_call(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)

    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "稍后")

    sending = asyncio.create_task(send_later())
    call = await fake.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] == "稍后", timeout=2)
    await sending

    assert call.result["text"] == "稍后"


async def test_wait_for_times_out_listing_the_recorded_calls(fake: FakeBotApi, bot: Bot) -> None:
    await bot.get_me()

    with pytest.raises(AssertionError, match=r"(?s)no Bot API call matched 'sendPhoto'.*getMe \{\} -> 200"):
        await fake.wait_for("sendPhoto", timeout=0.1)


async def test_wait_for_messages_reports_how_many_arrived(fake: FakeBotApi, bot: Bot) -> None:
    await send_to_new_user(fake, bot, "一条")

    with pytest.raises(AssertionError, match=f"expected 2 bot messages in chat {USER} within 0.1s, got 1"):
        await fake.wait_for_messages(USER, 2, timeout=0.1)


async def test_server_side_delay_slows_every_answer() -> None:
    async with FakeBotApi(delay_seconds=0.2) as slow, Bot(slow.token, base_url=slow.base_url) as client:
        started = time.monotonic()
        await client.get_me()

        assert time.monotonic() - started >= 0.2


# -- failure injection -----------------------------------------------------------------------------


async def test_fail_next_answers_429_seen_as_retry_after(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)
    fake.fail_next("sendMessage", retry_after=7, count=2)

    for _ in range(2):
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(USER, "公告")
        assert raised.value.retry_after == dtm.timedelta(seconds=7)
    sent = await bot.send_message(USER, "公告")

    assert sent.text == "公告"
    assert [call.status for call in fake.calls_to("sendMessage")] == [429, 429, 200]
    assert fake.calls_to("sendMessage")[0].response["parameters"] == {"retry_after": 7}


async def test_fail_next_can_inject_other_errors(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("getMe", error_code=400, description="Bad Request: something odd")

    with pytest.raises(BadRequest, match="Something odd"):
        await bot.get_me()


async def test_blocked_user_answers_403_until_unblocked(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)
    fake.block_user(USER)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "本周反诈地图")
    with pytest.raises(Forbidden):
        await bot.send_photo(USER, png_bytes())
    fake.unblock_user(USER)
    assert (await bot.send_message(USER, "本周反诈地图")).text == "本周反诈地图"


async def test_writing_to_the_bot_again_unblocks_it(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)
    fake.block_user(USER)
    fake.add_text(USER, "/start")

    assert (await bot.send_message(USER, "欢迎回来")).text == "欢迎回来"


async def test_rate_limit_caps_global_sends_per_second(fake: FakeBotApi, bot: Bot) -> None:
    subscribers = range(1, 9)
    for subscriber in subscribers:
        fake.private_chat(subscriber)
    fake.rate_limit(5)

    outcomes = []
    for subscriber in subscribers:
        try:
            await bot.send_message(subscriber, "公告")
            outcomes.append("sent")
        except RetryAfter as error:
            outcomes.append(error.retry_after)

    assert outcomes == ["sent"] * 5 + [dtm.timedelta(seconds=1)] * 3
    assert len(fake.sent_messages()) == 5


async def test_rate_limit_allows_a_short_burst_per_private_chat(fake: FakeBotApi, bot: Bot) -> None:
    fake.private_chat(USER)
    fake.private_chat(OTHER_USER)
    fake.rate_limit(100, per_chat_burst=3)

    for _ in range(3):
        await bot.send_message(USER, "消息")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "第四条")
    await bot.send_message(OTHER_USER, "别的聊天不受影响")


async def test_a_sender_honouring_retry_after_gets_through_at_the_set_rate(
    fake: FakeBotApi, bot: Bot
) -> None:
    subscribers = range(1, 16)
    for subscriber in subscribers:
        fake.private_chat(subscriber)
    fake.rate_limit(10)

    started = time.monotonic()
    for subscriber in subscribers:
        while True:
            try:
                await bot.send_message(subscriber, "公告")
                break
            except RetryAfter as error:
                await asyncio.sleep(error.retry_after.total_seconds())
    elapsed = time.monotonic() - started

    assert len(fake.sent_messages()) == 15
    assert 1.0 <= elapsed < 2.5
