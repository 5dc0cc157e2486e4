"""The pure engine: normalise → extract → match → decide. No Telegram, no database."""

from __future__ import annotations

from pathlib import Path

from bot.content.loader import load_content
from bot.engine.decide import Engine
from bot.engine.verdict import Entities, Link, Phone, SignalHit, Verdict


def load_engine(content_dir: Path | str | None = None) -> Engine:
    """Load and validate the content base, then build the engine from it."""
    return Engine(load_content(content_dir))


__all__ = ["Engine", "Entities", "Link", "Phone", "SignalHit", "Verdict", "load_engine"]
