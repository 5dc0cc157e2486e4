"""Pictures the vision tests and benchmark generate themselves: chat and SMS screenshots, QR codes, bad files.

Everything is drawn with Pillow and a Noto Sans CJK font found through the installed font packages, so no
picture is stored in the repository and every test input can be read in this file.
"""

from __future__ import annotations

import importlib.util
import io
import random
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PHONE_WIDTH = 1080
PHONE_HEIGHT = 2340
TEXT_SIZE = 44

# Packages that ship Noto Sans CJK: (package, font file inside it). The first one installed is used.
_FONT_PACKAGES = (
    ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),
    ("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc"),
)


class CjkFontMissing(RuntimeError):
    """No installed package provides a CJK font, so Chinese screenshots cannot be drawn."""


@dataclass(frozen=True)
class FontSource:
    path: Path
    index: int  # face inside the collection: the Simplified Chinese one


@dataclass(frozen=True)
class Bubble:
    """One chat message; `outgoing` bubbles are the user's own, drawn on the right in green."""

    text: str
    outgoing: bool = False


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _simplified_chinese_face(path: Path) -> int | None:
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            return None
        if family is not None and family.endswith("CJK SC"):
            return index
    return None


@cache
def find_cjk_font() -> FontSource | None:
    """The Simplified Chinese face of the first installed Noto Sans CJK collection, or None."""
    for package, file_name in _FONT_PACKAGES:
        directory = _package_dir(package)
        if directory is None or not (directory / file_name).is_file():
            continue
        index = _simplified_chinese_face(directory / file_name)
        if index is not None:
            return FontSource(directory / file_name, index)
    return None


@cache
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    source = find_cjk_font()
    if source is None:
        raise CjkFontMissing(f"none of {[p for p, _ in _FONT_PACKAGES]} is installed")
    font = ImageFont.truetype(str(source.path), size, index=source.index)
    if font.getname()[1] != "Regular":
        # The variable-font collection defaults to its Thin instance, far lighter than any chat app.
        font.set_variation_by_name("Regular")
    return font


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Break text into lines no wider than max_width, anywhere between characters, as chat apps do."""
    lines: list[str] = []
    current = ""
    for char in text:
        if current and font.getlength(current + char) > max_width:
            lines.append(current)
            current = char.lstrip()
        else:
            current += char
    if current:
        lines.append(current)
    return lines


def _draw_status_bar(draw: ImageDraw.ImageDraw, width: int, background: str) -> None:
    draw.rectangle((0, 0, width, 90), fill=background)
    font = cjk_font(32)
    draw.text((50, 26), "21:47", font=font, fill="#111111")
    draw.text((width - 200, 26), "5G 82%", font=font, fill="#111111")


def _draw_bubble(canvas: Image.Image, top: int, bubble: Bubble, font: ImageFont.FreeTypeFont) -> int:
    """Draw one avatar and bubble starting at `top`; return the y where the next one may start."""
    draw = ImageDraw.Draw(canvas)
    width = canvas.width
    avatar, margin, padding, line_gap = 100, 30, 28, 14
    lines = wrap_text(bubble.text, font, max_width=width * 0.62)
    line_height = font.size + line_gap
    text_width = max(font.getlength(line) for line in lines)
    bubble_width = int(text_width) + 2 * padding
    bubble_height = len(lines) * line_height - line_gap + 2 * padding
    if bubble.outgoing:
        avatar_left = width - margin - avatar
        bubble_left = avatar_left - 24 - bubble_width
        colour, avatar_colour = "#95EC69", "#5B8DEF"
    else:
        avatar_left = margin
        bubble_left = margin + avatar + 24
        colour, avatar_colour = "#FFFFFF", "#E0A050"
    draw.rounded_rectangle((avatar_left, top, avatar_left + avatar, top + avatar), 12, fill=avatar_colour)
    bubble_box = (bubble_left, top, bubble_left + bubble_width, top + bubble_height)
    draw.rounded_rectangle(bubble_box, 14, fill=colour)
    for number, line in enumerate(lines):
        draw.text((bubble_left + padding, top + padding + number * line_height - 4), line, font=font,
                  fill="#111111")
    return top + max(avatar, bubble_height) + 46


def render_chat(bubbles: list[Bubble], *, contact: str = "在线客服", timestamp: str = "昨天 21:03",
                height: int = PHONE_HEIGHT) -> Image.Image:
    """A WeChat-style chat screenshot at phone resolution (1080 px wide)."""
    canvas = Image.new("RGB", (PHONE_WIDTH, height), "#EDEDED")
    draw = ImageDraw.Draw(canvas)
    _draw_status_bar(draw, PHONE_WIDTH, "#EDEDED")
    title_font = cjk_font(40)
    draw.text((40, 120), "<", font=title_font, fill="#111111")
    draw.text((PHONE_WIDTH / 2, 145), contact, font=title_font, fill="#111111", anchor="mm")
    draw.line((0, 200, PHONE_WIDTH, 200), fill="#D5D5D5", width=2)
    small = cjk_font(30)
    draw.text((PHONE_WIDTH / 2, 260), timestamp, font=small, fill="#9A9A9A", anchor="mm")
    top = 320
    font = cjk_font(TEXT_SIZE)
    for bubble in bubbles:
        top = _draw_bubble(canvas, top, bubble, font)
    if top > height - 160:
        return render_chat(bubbles, contact=contact, timestamp=timestamp, height=top + 200)
    draw.rectangle((0, height - 140, PHONE_WIDTH, height), fill="#F7F7F7")
    draw.rounded_rectangle((110, height - 115, PHONE_WIDTH - 200, height - 35), 10, fill="#FFFFFF")
    return canvas


def render_sms(sender: str, messages: list[str], *, height: int = PHONE_HEIGHT) -> Image.Image:
    """A phone SMS-app screenshot: the sender number as the title, grey message bubbles on white."""
    canvas = Image.new("RGB", (PHONE_WIDTH, height), "#FFFFFF")
    draw = ImageDraw.Draw(canvas)
    _draw_status_bar(draw, PHONE_WIDTH, "#FFFFFF")
    draw.text((PHONE_WIDTH / 2, 160), sender, font=cjk_font(48), fill="#111111", anchor="mm")
    draw.text((PHONE_WIDTH / 2, 225), "短信/彩信", font=cjk_font(28), fill="#8A8A8A", anchor="mm")
    draw.line((0, 270, PHONE_WIDTH, 270), fill="#E0E0E0", width=2)
    font = cjk_font(TEXT_SIZE)
    top, padding, line_gap = 330, 32, 16
    for message in messages:
        draw.text((PHONE_WIDTH / 2, top), "今天 09:12", font=cjk_font(28), fill="#8A8A8A", anchor="mm")
        top += 50
        lines = wrap_text(message, font, max_width=PHONE_WIDTH * 0.7)
        line_height = font.size + line_gap
        box_height = len(lines) * line_height - line_gap + 2 * padding
        box_width = int(max(font.getlength(line) for line in lines)) + 2 * padding
        draw.rounded_rectangle((40, top, 40 + box_width, top + box_height), 30, fill="#E9E9EB")
        for number, line in enumerate(lines):
            draw.text((40 + padding, top + padding + number * line_height - 4), line, font=font,
                      fill="#111111")
        top += box_height + 60
    return canvas


def qr_image(payload: str, *, box_size: int = 10) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def paste_qr(screenshot: Image.Image, payload: str, *, side: int = 360, angle: float = 0.0,
             top: int = 1400, left: int = 154) -> Image.Image:
    """Paste a QR code, shrunk to `side` px and turned by `angle` degrees, as a picture message."""
    code = qr_image(payload).resize((side, side), Image.Resampling.BILINEAR)
    if angle:
        code = code.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="#EDEDED")
    result = screenshot.copy()
    result.paste(code, (left, top))
    return result


def to_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def to_jpeg(image: Image.Image, *, quality: int = 90, exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.save(buffer, format="JPEG", quality=quality, exif=exif or Image.Exif())
    return buffer.getvalue()


def degrade(image: Image.Image) -> bytes:
    """What a screenshot looks like after a few forwards: half size, slightly blurred, JPEG quality 30."""
    small = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    return to_jpeg(small.filter(ImageFilter.GaussianBlur(0.6)), quality=30)


def render_chat_screenshot(lines: list[str], *, degraded: bool = False) -> bytes:
    """A chat screenshot in which each line is one incoming message: PNG, or a degraded JPEG."""
    screenshot = render_chat([Bubble(line) for line in lines])
    return degrade(screenshot) if degraded else to_png(screenshot)


def render_photo(width: int = 5472, height: int = 3648, *, caption: str = "请转入安全账户") -> bytes:
    """A camera-sized JPEG (20 megapixels by default): a lit, noisy scene with a big caption on a sign."""
    scene = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width // 8, height // 8), 40).resize((width, height)).convert("RGB")
    scene = Image.blend(scene, noise, 0.3)
    draw = ImageDraw.Draw(scene)
    sign = (width // 5, height // 3, width * 4 // 5, height * 2 // 3)
    draw.rectangle(sign, fill="#F4F1E8")
    draw.text(((sign[0] + sign[2]) / 2, (sign[1] + sign[3]) / 2), caption, font=cjk_font(height // 12),
              fill="#1A1A1A", anchor="mm")
    return to_jpeg(scene, quality=85)


def junk_bytes(size: int = 4096) -> bytes:
    return random.Random(6).randbytes(size)


def truncated(data: bytes) -> bytes:
    """The first half of a file, as when a download or upload is cut off."""
    return data[: len(data) // 2]


def text_file() -> bytes:
    """A text file someone renamed to .jpg."""
    return "这不是图片，是一段文字：请转账到安全账户。\nnot a picture\n".encode()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that claims enormous dimensions: a decompression bomb's calling card."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


def heic_header() -> bytes:
    """The start of an iPhone HEIC photo: an ISO-BMFF `ftyp` box with the `heic` brand."""
    return struct.pack(">I", 24) + b"ftypheic" + struct.pack(">I", 0) + b"mif1heic" + b"\0" * 200


def pdf_document() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
