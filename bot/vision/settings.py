"""Every knob of picture reading in one place: decoding limits, OCR scale and the OCR engine's threads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OcrSettings:
    """How large a picture the OCR sees and how the engine is run."""

    # Phone chat text stays legible at a long side of 2000 px; beyond that OCR time grows with no gain.
    long_side: int = 2000
    # Long scrolling screenshots keep at least this width (they are read in tiles instead of shrunk).
    min_short_side: int = 900
    # Panoramas and banners: the detector's cost grows with the long side, so it is capped harder.
    max_wide_side: int = 4096
    # Tall pictures are read in tiles no longer than this, overlapping so no text line is cut.
    tile_long_side: int = 2000
    tile_overlap_ratio: float = 1 / 6
    # The machine has two cores; more intra-op threads only fight the event loop and each other.
    intra_op_threads: int = 2
    inter_op_threads: int = 1
    # Lines the recogniser scores below this are dropped (the engine's own default).
    min_text_score: float = 0.5


OCR_SETTINGS = OcrSettings()

# Refused before decoding. Telegram bots cannot download files over 20 MB anyway; 40 megapixels is more
# than any phone camera, and decodes to 120 MB of RGB at most.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

# Picture formats we decode. Anything else Pillow recognises is answered as "unsupported".
SUPPORTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF", "HEIF"})
