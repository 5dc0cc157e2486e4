"""Offline OCR with RapidOCR (PP-OCR models shipped inside the wheel): loaded once, lazily, thread-safely.

RapidOCR is the optional `vision` extra. When it is missing (or cannot load, e.g. an OpenCV build that needs
libGL on a server without it) `get_engine` returns None and pictures are read for QR codes only.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bot.vision.decode import ocr_scale
from bot.vision.layout import TextBox
from bot.vision.settings import OCR_SETTINGS, OcrSettings

if TYPE_CHECKING:
    from rapidocr_onnxruntime import RapidOCR

logger = logging.getLogger(__name__)

_OCR_PACKAGE = "rapidocr_onnxruntime"
# The engine rescales nothing itself: `decode_image` and the tiling below already bound the size.
_NO_ENGINE_RESCALE = 1_000_000
_COMMON_SCREENSHOT = (1080, 2340)
_HEADLESS_OPENCV_HINT = (
    ". RapidOCR pulls in opencv-python, which needs libGL; replace it with the headless build: "
    "pip uninstall -y opencv-python && pip install --force-reinstall --no-deps opencv-python-headless"
)

_load_lock = threading.Lock()
# One reading at a time: both cores go to it, memory stays bounded, and the engine's objects are not shared
# between threads mid-call (RapidOCR keeps per-call state on itself).
_run_lock = threading.Lock()
_engine: RapidOCR | None = None
_load_attempted = False


def ocr_installed() -> bool:
    """Whether the OCR package is installed (cheap: nothing is imported or loaded)."""
    return importlib.util.find_spec(_OCR_PACKAGE) is not None


def get_engine(settings: OcrSettings = OCR_SETTINGS) -> RapidOCR | None:
    """The process-wide engine, loaded on first use; None if OCR is not available."""
    global _engine, _load_attempted
    if _load_attempted:
        return _engine
    with _load_lock:
        if not _load_attempted:
            _engine = _load_engine(settings)
            _load_attempted = True
    return _engine


def warm_up() -> bool:
    """Load the engine and run it once so the first picture is read at warm speed; True if OCR works.

    Blocking: call it in a worker thread at bot start (`await asyncio.to_thread(warm_up)`).
    """
    engine = get_engine()
    if engine is None:
        return False
    # The first inference at a given size pays for memory planning and allocation, so run detector,
    # classifier and recogniser once on a page the size a common phone screenshot is read at.
    width, height = _COMMON_SCREENSHOT
    scale = ocr_scale(width, height)
    sample = Image.new("RGB", (round(width * scale), round(height * scale)), "white")
    ImageDraw.Draw(sample).text((60, 400), "Warm up 95533", font=ImageFont.load_default(48), fill="black")
    recognise(engine, sample)
    return True


def recognise(engine: RapidOCR, picture: Image.Image, settings: OcrSettings = OCR_SETTINGS) -> list[TextBox]:
    """Every text line the engine finds in the picture, in picture coordinates (tall pictures in tiles)."""
    bgr = np.ascontiguousarray(np.asarray(picture.convert("RGB"))[:, :, ::-1])
    boxes: list[TextBox] = []
    for top, bottom, keep_from, keep_to in tile_spans(picture.width, picture.height, settings):
        for box in _recognise_tile(engine, bgr[top:bottom]):
            placed = box.shifted(top)
            if keep_from <= placed.center_y < keep_to:
                boxes.append(placed)
    return boxes


def tile_spans(width: int, height: int,
               settings: OcrSettings = OCR_SETTINGS) -> Iterator[tuple[int, int, float, float]]:
    """Horizontal bands (top, bottom) covering a tall picture, each with the y range of text it owns.

    Bands overlap so every text line lies whole inside one of them; a line is kept only by the band that
    owns its centre, so the overlap is not read twice.
    """
    tile = min(settings.tile_long_side, 3 * width)
    if height <= tile:
        yield 0, height, 0.0, float(height)
        return
    overlap = max(1, round(tile * settings.tile_overlap_ratio))
    count = max(2, math.ceil((height - overlap) / (tile - overlap)))
    tops = [round(number * (height - tile) / (count - 1)) for number in range(count)]
    for number, top in enumerate(tops):
        keep_from = 0.0 if number == 0 else (top + tops[number - 1] + tile) / 2
        keep_to = float(height) if number == count - 1 else (tops[number + 1] + top + tile) / 2
        yield top, top + tile, keep_from, keep_to


def _recognise_tile(engine: RapidOCR, bgr: np.ndarray) -> list[TextBox]:
    with _run_lock:
        result, _elapsed = engine(bgr)
    if not result:
        return []
    return [TextBox.from_quad(str(text), quad) for quad, text, _score in result if str(text).strip()]


def _load_engine(settings: OcrSettings) -> RapidOCR | None:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as error:
        hint = _HEADLESS_OPENCV_HINT if "libGL" in str(error) else ""
        logger.warning("OCR is not available (%s)%s; pictures are read for QR codes only", error, hint)
        return None
    try:
        return RapidOCR(
            intra_op_num_threads=settings.intra_op_threads,
            inter_op_num_threads=settings.inter_op_threads,
            text_score=settings.min_text_score,
            max_side_len=_NO_ENGINE_RESCALE,
        )
    except Exception:
        # A damaged model file or runtime must not take the bot down: it answers as if OCR were not installed.
        logger.exception("OCR engine failed to load; pictures are read for QR codes only")
        return None

