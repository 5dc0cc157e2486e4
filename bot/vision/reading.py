"""Read a picture someone sent: the text in it (OCR) and every QR code, with the time it took."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.vision import ocr
from bot.vision.decode import decode_image
from bot.vision.layout import reading_order
from bot.vision.qr import decode_codes
from bot.vision.settings import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class ImageReading:
    """What was read from one picture.

    `text` holds one line per chat bubble or paragraph, top to bottom; `width` and `height` are those of
    the picture as displayed (after EXIF rotation); `ocr_available` is False when OCR is not installed,
    in which case `text` is empty; `seconds` is the wall time of the whole reading.
    """

    text: str
    qr_payloads: tuple[str, ...]
    width: int
    height: int
    ocr_available: bool
    seconds: float

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def read_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS,
               max_bytes: int = DEFAULT_MAX_BYTES) -> ImageReading:
    """Decode, OCR and scan a picture for QR codes; raise an ImageError subclass if it cannot be read.

    Blocking and CPU-bound (about half a second for a phone screenshot): call it in a worker thread.
    """
    started = time.perf_counter()
    decoded = decode_image(data, max_pixels=max_pixels, max_bytes=max_bytes)
    payloads = decode_codes(decoded.picture)
    engine = ocr.get_engine()
    text = "" if engine is None else "\n".join(reading_order(ocr.recognise(engine, decoded.picture)))
    return ImageReading(
        text=text,
        qr_payloads=payloads,
        width=decoded.width,
        height=decoded.height,
        ocr_available=engine is not None,
        seconds=time.perf_counter() - started,
    )
