"""Recognise input that cannot be judged (empty, only emoji, binary junk) before it reaches the engine."""

from __future__ import annotations

import unicodedata
from typing import Literal

InputProblem = Literal["empty", "no_text", "binary"]


def input_problem(text: str | None) -> InputProblem | None:
    """Why a message cannot be judged, or None when it can."""
    if text is None or not text.strip():
        return "empty"
    sample = text[:4000]
    junk = sum(1 for c in sample if c == "\ufffd" or (unicodedata.category(c) in ("Cc", "Co", "Cs")
                                                       and c not in "\n\r\t"))
    if junk > max(3, len(sample) // 10):
        return "binary"
    if not any(c.isalnum() for c in sample):
        return "no_text"
    return None
