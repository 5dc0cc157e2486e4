"""Reading pictures people send: screenshots by OCR, QR codes, and clear errors for everything else."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator

import pytest
from PIL import Image, ImageDraw

from bot.vision import (
    CorruptImage,
    ImageError,
    ImageReading,
    ImageTooLarge,
    NotAnImage,
    UnsupportedImage,
    read_image,
    warm_up,
)
from bot.vision import ocr as vision_ocr
from bot.vision import qr as vision_qr
from bot.vision.decode import decode_image
from bot.vision.settings import OCR_SETTINGS

from .images import (
    Bubble,
    CjkFontMissing,
    cjk_font,
    degrade,
    heic_header,
    junk_bytes,
    paste_qr,
    pdf_document,
    png_header,
    qr_image,
    render_chat,
    render_chat_screenshot,
    render_photo,
    render_sms,
    text_file,
    to_jpeg,
    to_png,
    truncated,
)

POLICE_OPENING = "您好，我是上海市公安局刑侦支队的民警，您的银行账户涉嫌一起洗钱案件，需要配合调查。"
SAFE_ACCOUNT = "为了证明您的清白，请把资金转到我们指定的安全账户，这件事不要告诉家人和朋友。"
USER_REPLY = "啊？我没有做过这种事"
POINTS_SMS = "【建设银行】尊敬的客户，您的积分12860即将清零，今日可兑换现金，请登录 ccb-jf.top 领取。"
REFUND_LINK = "https://taobao-refund.cc/r?id=88"


@pytest.fixture(scope="module", autouse=True)
def cjk_font_installed() -> None:
    try:
        cjk_font(20)
    except CjkFontMissing as error:
        pytest.skip(f"no CJK font to draw screenshots with: {error}")


@pytest.fixture(scope="module")
def ocr() -> None:
    """OCR loaded once for the module (the engine is process-wide, so later modules reuse it too)."""
    pytest.importorskip("rapidocr_onnxruntime")
    assert warm_up()


@pytest.fixture(scope="module")
def police_chat() -> Image.Image:
    return render_chat([Bubble(POLICE_OPENING), Bubble(USER_REPLY, outgoing=True), Bubble(SAFE_ACCOUNT)],
                       contact="上海公安-张警官")


@pytest.fixture
def without_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a server installed without the `vision` extra: the OCR package cannot be imported."""
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    monkeypatch.setattr(vision_ocr, "_engine", None)
    monkeypatch.setattr(vision_ocr, "_load_attempted", False)


@pytest.fixture
def without_zxing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    vision_qr._zxing.cache_clear()
    yield
    vision_qr._zxing.cache_clear()


def read(data: bytes) -> ImageReading:
    reading = read_image(data)
    assert reading.ocr_available
    return reading


# --- screenshots -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ocr")
def test_chat_screenshot_text_is_read_with_the_scam_phrases(police_chat: Image.Image) -> None:
    reading = read(to_png(police_chat))

    assert "安全账户" in reading.text
    assert "洗钱" in reading.text
    assert (reading.width, reading.height) == police_chat.size
    assert reading.qr_payloads == ()


@pytest.mark.usefixtures("ocr")
def test_each_chat_bubble_is_one_line_in_reading_order(police_chat: Image.Image) -> None:
    lines = read(to_png(police_chat)).lines

    assert POLICE_OPENING in lines, "the wrapped bubble is joined back into one line"
    assert lines.index(POLICE_OPENING) < lines.index(USER_REPLY) < lines.index(SAFE_ACCOUNT)
    assert lines[lines.index("上海公安-张警官")] == "上海公安-张警官", "the title stays its own line"


@pytest.mark.usefixtures("ocr")
def test_sms_screenshot_shows_the_sender_short_code_and_the_points_bait() -> None:
    reading = read(to_png(render_sms("95533", [POINTS_SMS])))

    assert "95533" in reading.lines
    assert "积分12860" in reading.text, "a number cut by the wrap is joined without a space"
    assert "ccb-jf.top" in reading.text


@pytest.mark.usefixtures("ocr")
def test_degraded_forwarded_jpeg_still_yields_the_key_phrases(police_chat: Image.Image) -> None:
    data = degrade(police_chat)
    reading = read(data)

    assert Image.open(io.BytesIO(data)).format == "JPEG"
    assert "安全账户" in reading.text
    assert "洗钱" in reading.text
    assert (reading.width, reading.height) == (police_chat.width // 2, police_chat.height // 2)


@pytest.mark.usefixtures("ocr")
def test_rendered_chat_screenshots_read_back_clean_and_degraded() -> None:
    lines = ["您的快递丢失了，我是淘宝客服，现在给您办理双倍理赔退款", "请扫描二维码，按提示操作即可收到退款"]

    for degraded in (False, True):
        text = read(render_chat_screenshot(lines, degraded=degraded)).text
        assert "理赔退款" in text
        assert "扫描二维码" in text


@pytest.mark.usefixtures("ocr")
@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "I;16"])
def test_grayscale_palette_cmyk_and_16_bit_pictures_are_read(police_chat: Image.Image, mode: str) -> None:
    picture = police_chat.convert("L").convert(mode) if mode == "I;16" else police_chat.convert(mode)
    data = to_jpeg(picture) if mode == "CMYK" else to_png(picture)
    assert Image.open(io.BytesIO(data)).mode == mode

    assert "安全账户" in read(data).text


@pytest.mark.usefixtures("ocr")
@pytest.mark.parametrize(("ink", "description"), [("black", "dark text"), ("white", "light text")])
def test_text_on_a_transparent_background_is_read(ink: str, description: str) -> None:
    canvas = Image.new("RGBA", (900, 300), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((40, 110), "请转入安全账户", font=cjk_font(64), fill=ink)

    assert "安全账户" in read(to_png(canvas)).text, description


@pytest.mark.usefixtures("ocr")
def test_an_animated_gif_is_read_from_its_first_frame() -> None:
    frames = []
    for caption in ("第一帧：安全账户", "第二帧：别的内容"):
        frame = Image.new("RGB", (900, 300), "white")
        ImageDraw.Draw(frame).text((40, 110), caption, font=cjk_font(64), fill="black")
        frames.append(frame.convert("P"))
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)

    text = read(buffer.getvalue()).text

    assert "安全账户" in text
    assert "别的内容" not in text


@pytest.mark.usefixtures("ocr")
def test_a_photo_rotated_by_exif_is_read_upright(police_chat: Image.Image) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned a quarter anticlockwise; viewers turn it back clockwise
    stored = police_chat.transpose(Image.Transpose.ROTATE_90)

    reading = read(to_jpeg(stored, exif=exif))

    assert (reading.width, reading.height) == police_chat.size
    assert "安全账户" in reading.text


@pytest.mark.usefixtures("ocr")
def test_a_20_megapixel_photo_is_shrunk_before_reading_and_still_read() -> None:
    data = render_photo(5472, 3648, caption="请转入安全账户")

    decoded = decode_image(data, max_pixels=40_000_000, max_bytes=20 * 1024 * 1024)
    reading = read(data)

    assert max(decoded.picture.size) <= OCR_SETTINGS.long_side
    assert (reading.width, reading.height) == (5472, 3648)
    assert "安全账户" in reading.text


@pytest.mark.usefixtures("ocr")
def test_a_long_scrolling_screenshot_is_read_whole_with_no_line_twice() -> None:
    messages = [f"第{number}条：请把{number}万元转到安全账户" for number in range(1, 25)]
    chat = render_chat([Bubble(message) for message in messages])
    assert chat.height > 3.5 * chat.width, "tall enough to be read in more than one tile"

    lines = read(to_png(chat)).lines

    for number in range(1, 25):
        assert sum(line.startswith(f"第{number}条：") for line in lines) == 1, number
    assert sum(message in lines for message in messages) >= len(messages) - 1


# --- QR codes ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ocr")
def test_a_qr_code_in_a_rotated_shrunk_jpeg_screenshot_is_decoded(police_chat: Image.Image) -> None:
    screenshot = paste_qr(police_chat, REFUND_LINK, side=300, angle=7)

    reading = read(to_jpeg(screenshot, quality=60))

    assert reading.qr_payloads == (REFUND_LINK,)
    assert "安全账户" in reading.text


def test_every_qr_code_is_decoded_top_to_bottom_once(police_chat: Image.Image) -> None:
    official = "https://www.95533.com.cn/"
    screenshot = paste_qr(police_chat, official, side=260, top=1450)
    screenshot = paste_qr(screenshot, REFUND_LINK, side=260, angle=-12, top=1100, left=600)
    screenshot = paste_qr(screenshot, REFUND_LINK, side=200, top=1800, left=700)

    reading = read_image(to_jpeg(screenshot, quality=70))

    assert reading.qr_payloads == (REFUND_LINK, official)


def test_a_small_qr_code_in_a_20_megapixel_photo_survives_the_downscale() -> None:
    photo = Image.open(io.BytesIO(render_photo(5472, 3648)))
    photo.paste(qr_image(REFUND_LINK).resize((200, 200)), (300, 300))

    assert read_image(to_jpeg(photo, quality=85)).qr_payloads == (REFUND_LINK,)


@pytest.mark.usefixtures("without_ocr")
def test_without_ocr_installed_qr_codes_are_still_decoded(police_chat: Image.Image) -> None:
    reading = read_image(to_png(paste_qr(police_chat, REFUND_LINK)))

    assert reading.ocr_available is False
    assert reading.text == ""
    assert reading.qr_payloads == (REFUND_LINK,)


@pytest.mark.usefixtures("ocr", "without_zxing")
def test_without_zxing_installed_text_is_still_read(police_chat: Image.Image) -> None:
    reading = read(to_png(paste_qr(police_chat, REFUND_LINK)))

    assert reading.qr_payloads == ()
    assert "安全账户" in reading.text


# --- what cannot be read -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(junk_bytes(), NotAnImage, id="random bytes"),
        pytest.param(text_file(), NotAnImage, id="text file renamed .jpg"),
        pytest.param(b"", NotAnImage, id="empty file"),
        pytest.param(heic_header(), UnsupportedImage, id="iPhone HEIC photo"),
        pytest.param(pdf_document(), UnsupportedImage, id="PDF"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"/>', UnsupportedImage, id="SVG"),
        pytest.param(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n%%EndComments\n",
                     UnsupportedImage, id="EPS, which Pillow knows but we do not decode"),
        pytest.param(png_header(8000, 6000), ImageTooLarge, id="48 megapixels claimed by a tiny file"),
        pytest.param(png_header(10_000, 10_000), ImageTooLarge, id="past Pillow's bomb warning"),
        pytest.param(png_header(20_000, 20_000), ImageTooLarge, id="past Pillow's bomb limit"),
    ],
)
def test_what_is_not_a_readable_picture_raises_with_a_reason(data: bytes, error: type[ImageError]) -> None:
    with pytest.raises(error) as raised:
        read_image(data)

    assert isinstance(raised.value, ImageError)
    assert raised.value.reason == error.reason


@pytest.mark.parametrize("encode", [to_png, to_jpeg], ids=["PNG", "JPEG"])
def test_a_picture_cut_off_halfway_is_corrupt(police_chat: Image.Image,
                                              encode: Callable[[Image.Image], bytes]) -> None:
    with pytest.raises(CorruptImage) as raised:
        read_image(truncated(encode(police_chat)))

    assert raised.value.reason == "corrupt"


def test_a_file_over_the_byte_limit_is_too_large_before_decoding(police_chat: Image.Image) -> None:
    data = to_png(police_chat)

    with pytest.raises(ImageTooLarge) as raised:
        read_image(data, max_bytes=len(data) - 1)

    assert raised.value.reason == "too_large"


def test_a_picture_over_the_pixel_limit_is_too_large(police_chat: Image.Image) -> None:
    with pytest.raises(ImageTooLarge):
        read_image(to_png(police_chat), max_pixels=police_chat.width * police_chat.height - 1)


def test_error_reasons_are_the_four_the_adapter_maps() -> None:
    reasons = {error.reason for error in (ImageTooLarge, NotAnImage, CorruptImage, UnsupportedImage)}

    assert reasons == {"too_large", "not_an_image", "corrupt", "unsupported"}
