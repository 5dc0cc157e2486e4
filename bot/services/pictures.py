"""What a picture says, as text the engine can judge and words the user can check (no Telegram here)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.texts import Texts

SHOWN_CHARS = 300


@dataclass(frozen=True)
class PictureText:
    judged: str  # caption, OCR text and QR payloads, for the engine
    preface: str | None  # "I read this in your picture: …", for the user; None when nothing was read


def picture_text(texts: Texts, lang: str, *, ocr_text: str, qr_payloads: tuple[str, ...],
                 caption: str | None) -> PictureText:
    """Join what the user wrote and what the picture holds; quote the reading so they can correct it."""
    qr_lines = [texts.render("vision.qr", lang, payload=p) for p in qr_payloads]
    judged = "\n".join(part for part in (caption or "", ocr_text, *qr_lines) if part.strip())
    read = "\n".join(part for part in (ocr_text, *qr_lines) if part.strip())
    if not read:
        return PictureText(judged, None)
    shown = read if len(read) <= SHOWN_CHARS else read[:SHOWN_CHARS] + "…"
    return PictureText(judged, texts.render("vision.read", lang, text=shown))
