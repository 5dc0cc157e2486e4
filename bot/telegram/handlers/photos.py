"""Pictures: screenshots and QR codes read offline when the vision extra is installed."""

from __future__ import annotations

from bot.telegram.context import Services


def attach(services: Services) -> None:
    """Register the image reader when bot.vision can be imported."""
