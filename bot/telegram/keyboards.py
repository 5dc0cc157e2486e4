"""Inline keyboards and the callback-data format (`kind:arg:arg`), parsed in one place."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

Text = Callable[[str], str]


def verdict_keyboard(text: Text, inquiry_id: int | None) -> InlineKeyboardMarkup:
    ref = inquiry_id or 0
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(text("button.officer"), callback_data=f"officer:{ref}"),
         InlineKeyboardButton(text("button.paid"), callback_data=f"paid:{ref}")],
        [InlineKeyboardButton(text("button.helpful"), callback_data=f"fb:{ref}:1"),
         InlineKeyboardButton(text("button.not_helpful"), callback_data=f"fb:{ref}:0")],
    ])


def reason_keyboard(text: Text, inquiry_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(text(f"button.reason.{reason}"), callback_data=f"fbr:{inquiry_id}:{reason}")
        for reason in ("wrong", "unclear", "other")
    ]])


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("中文", callback_data="lang:zh"),
                                  InlineKeyboardButton("English", callback_data="lang:en")]])


def types_keyboard(titles: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(title, callback_data=f"type:{type_id}")] for type_id, title in titles]
    return InlineKeyboardMarkup(rows)


def parse_callback(data: str | None) -> tuple[str, list[str]]:
    """`officer:12` → ('officer', ['12']); junk → ('', [])."""
    if not data or len(data) > 64:
        return "", []
    kind, _, rest = data.partition(":")
    return kind, rest.split(":") if rest else []


def int_arg(args: list[str], index: int) -> int | None:
    try:
        return int(args[index])
    except (IndexError, ValueError):
        return None
