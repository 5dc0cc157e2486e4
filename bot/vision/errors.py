"""Why a picture could not be read; the adapter turns `reason` into a polite answer in the user's language."""

from __future__ import annotations

from typing import ClassVar, Literal

ImageErrorReason = Literal["too_large", "not_an_image", "corrupt", "unsupported"]


class ImageError(Exception):
    """A picture we cannot read; `reason` is stable and machine-readable, the message is for logs."""

    reason: ClassVar[ImageErrorReason]


class ImageTooLarge(ImageError):
    """Too many bytes or too many pixels to decode safely."""

    reason = "too_large"


class NotAnImage(ImageError):
    """The bytes are not a picture at all (text, junk, an empty file)."""

    reason = "not_an_image"


class CorruptImage(ImageError):
    """A picture whose data is damaged or cut short."""

    reason = "corrupt"


class UnsupportedImage(ImageError):
    """A picture or document in a format we do not decode (HEIC, PDF, SVG, EPS, ...)."""

    reason = "unsupported"
