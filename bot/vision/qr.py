"""Decode every QR code and barcode in a picture with zxing-cpp (optional: without it, none are found)."""

from __future__ import annotations

import logging
from functools import cache
from types import ModuleType

from PIL import Image

logger = logging.getLogger(__name__)


@cache
def _zxing() -> ModuleType | None:
    try:
        import zxingcpp
    except ImportError as error:
        logger.warning("QR codes are not decoded (%s)", error)
        return None
    return zxingcpp


def decode_codes(picture: Image.Image) -> tuple[str, ...]:
    """The text of each QR code or barcode found, top to bottom, each payload once."""
    zxingcpp = _zxing()
    if zxingcpp is None:
        return ()
    found = zxingcpp.read_barcodes(picture.convert("L"))
    found.sort(key=lambda code: (code.position.top_left.y, code.position.top_left.x))
    return tuple(dict.fromkeys(code.text for code in found if code.valid and code.text))
