"""Screenshots and QR codes sent to the bot, end to end through the fake Bot API."""

from __future__ import annotations

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.telegram.harness import bot_config, running_bot
from tests.vision import images

pytest.importorskip("rapidocr_onnxruntime")
USER = 8080


@pytest.fixture
def config(fake_bot_api: FakeBotApi, tmp_path):
    return bot_config(fake_bot_api, tmp_path / "bot.sqlite3")


async def test_scam_screenshot_is_read_and_judged(fake_bot_api: FakeBotApi, config) -> None:
    shot = images.render_chat_screenshot(["您好，我是上海市公安局的警官", "您的银行卡涉嫌洗钱",
                                          "请立即把钱转到安全账户接受审查"])
    async with running_bot(config):
        fake_bot_api.add_photo(USER, shot)
        [reply] = await fake_bot_api.wait_for_messages(USER, 1, timeout=60)
    assert "图片里读到" in reply["text"] and "安全账户" in reply["text"]
    assert "停" in reply["text"]


async def test_refund_qr_code_is_decoded_and_checked(fake_bot_api: FakeBotApi, config) -> None:
    screenshot = images.render_chat([images.Bubble("扫这个二维码马上退款赔偿")])
    picture = images.to_png(images.paste_qr(screenshot, "http://taobao-tuikuan.top/refund"))
    async with running_bot(config):
        fake_bot_api.add_photo(USER, picture)
        [reply] = await fake_bot_api.wait_for_messages(USER, 1, timeout=60)
    assert "taobao-tuikuan.top" in reply["text"]
    assert "仿冒" in reply["text"] or "不是已知的官方网址" in reply["text"]


async def test_junk_file_named_as_image_gets_a_polite_answer(fake_bot_api: FakeBotApi, config) -> None:
    async with running_bot(config):
        fake_bot_api.add_document(USER, images.junk_bytes(), "screenshot.jpg", "image/jpeg")
        [reply] = await fake_bot_api.wait_for_messages(USER, 1, timeout=30)
    assert "图片" in reply["text"] and "Traceback" not in reply["text"]
