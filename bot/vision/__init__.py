"""Read what people send as pictures, offline: screenshot text by OCR and QR codes by zxing-cpp.

No Telegram and no database here. The adapter calls `read_image` in a worker thread, maps an
`ImageError.reason` to a polite answer, and passes `ImageReading.text` and `qr_payloads` to the engine.
"""

from bot.vision.errors import (
    CorruptImage,
    ImageError,
    ImageErrorReason,
    ImageTooLarge,
    NotAnImage,
    UnsupportedImage,
)
from bot.vision.ocr import ocr_installed, warm_up
from bot.vision.reading import ImageReading, read_image
from bot.vision.settings import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "CorruptImage",
    "ImageError",
    "ImageErrorReason",
    "ImageReading",
    "ImageTooLarge",
    "NotAnImage",
    "UnsupportedImage",
    "ocr_installed",
    "read_image",
    "warm_up",
]
