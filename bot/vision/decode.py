"""Turn the bytes someone sent into an upright RGB picture small enough to read, or say why we cannot."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageStat, UnidentifiedImageError

from bot.vision.errors import CorruptImage, ImageTooLarge, NotAnImage, UnsupportedImage
from bot.vision.settings import OCR_SETTINGS, SUPPORTED_FORMATS, OcrSettings

_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)
_EXIF_ORIENTATION = 0x0112
# How to turn a picture upright for each EXIF orientation (the table of ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = frozenset({5, 6, 7, 8})  # orientations that swap width and height
# ISO-BMFF brands of HEIC/HEIF/AVIF photos, which Pillow may not decode without a plugin.
_HEIF_BRANDS = frozenset({
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
})


@dataclass(frozen=True)
class DecodedImage:
    """The picture as it is displayed (`width` x `height`), and an RGB copy scaled down for reading."""

    picture: Image.Image
    width: int
    height: int


def decode_image(data: bytes, *, max_pixels: int, max_bytes: int,
                 settings: OcrSettings = OCR_SETTINGS) -> DecodedImage:
    """Decode the first frame, upright, as RGB, scaled by `ocr_scale`; raise an ImageError if we cannot."""
    if len(data) > max_bytes:
        raise ImageTooLarge(f"{len(data)} bytes, the limit is {max_bytes}")
    image = _open(data)
    if image.format not in SUPPORTED_FORMATS:
        raise UnsupportedImage(f"{image.format} pictures are not decoded")
    stored_width, stored_height = image.size
    if stored_width < 1 or stored_height < 1:
        raise CorruptImage(f"the picture claims a size of {stored_width}x{stored_height}")
    if stored_width * stored_height > max_pixels:
        raise ImageTooLarge(f"{stored_width}x{stored_height} pixels, the limit is {max_pixels}")
    with _decoder_errors():
        orientation = image.getexif().get(_EXIF_ORIENTATION)  # a PNG's EXIF may follow its pixel data
        sideways = orientation in _SIDEWAYS
        width, height = (stored_height, stored_width) if sideways else (stored_width, stored_height)
        scale = ocr_scale(width, height, settings)
        target = (max(1, round(stored_width * scale)), max(1, round(stored_height * scale)))
        # JPEG can decode straight at a fraction of its size: a 20-megapixel photo is never in memory whole.
        image.draft(image.mode, target)
        image.load()
        picture = _to_rgb(image)
        if picture.size != target:
            picture = picture.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
        if orientation in _UPRIGHT:
            # Turned after shrinking, which is cheaper and gives the same picture.
            picture = picture.transpose(_UPRIGHT[orientation])
    return DecodedImage(picture, width, height)


def ocr_scale(width: int, height: int, settings: OcrSettings = OCR_SETTINGS) -> float:
    """How much to shrink a picture before reading it (never enlarge).

    The long side is brought down to `long_side`, except that a long scrolling screenshot keeps a width of
    `min_short_side` (it is read in tiles), and a wide panorama is capped at `max_wide_side`.
    """
    long_side, short_side = max(width, height), min(width, height)
    scale = max(settings.long_side / long_side, settings.min_short_side / short_side)
    if width > height:
        scale = min(scale, settings.max_wide_side / width)
    return min(1.0, scale)


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # The warning arrives as an exception only where warnings are errors (the tests); elsewhere our own
        # pixel limit, which is lower than Pillow's, refuses the picture right after.
        raise ImageTooLarge(str(error)) from error
    except UnidentifiedImageError as error:
        if _looks_like_unsupported_format(data):
            raise UnsupportedImage("a picture or document format we do not decode") from error
        raise NotAnImage("the data is not a picture") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise CorruptImage(f"the picture header is damaged: {error}") from error


def _looks_like_unsupported_format(data: bytes) -> bool:
    head = data[:1024]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return True
    if head.startswith(b"%PDF-"):
        return True
    text = head.lstrip().lower()
    return text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text)


@contextmanager
def _decoder_errors() -> Iterator[None]:
    try:
        yield
    except MemoryError as error:
        raise ImageTooLarge("not enough memory to decode the picture") from error
    except Exception as error:
        # Decoders fed crafted or cut-off data raise all sorts (OSError, SyntaxError, zlib.error,
        # struct.error, IndexError); to the user they all mean the same thing.
        raise CorruptImage(f"the picture data is damaged: {error}") from error


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return _high_depth_to_rgb(image)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        return _flatten_transparency(image.convert("RGBA"))
    return image.convert("RGB")


def _high_depth_to_rgb(image: Image.Image) -> Image.Image:
    """16-bit and float pictures: stretch their own range to 8 bits (Pillow's convert would clip them)."""
    values = np.asarray(image, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    stretched = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
    return Image.fromarray(stretched.astype(np.uint8), mode="L").convert("RGB")


def _flatten_transparency(image: Image.Image) -> Image.Image:
    """Lay a transparent picture on a background that contrasts with what is drawn on it."""
    alpha = image.getchannel("A")
    if alpha.getbbox() is None:
        return Image.new("RGB", image.size, _WHITE)
    drawn_brightness = ImageStat.Stat(image.convert("L"), mask=alpha).mean[0]
    background = Image.new("RGBA", image.size, _BLACK if drawn_brightness > 160 else _WHITE)
    background.alpha_composite(image)
    return background.convert("RGB")
