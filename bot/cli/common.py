"""Small helpers the CLI commands share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.content.texts import normalise_lang


def add_content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=None, metavar="DIR",
                        help="content folder (default: the shipped content/)")


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", default="zh", type=normalise_lang, help="reply language: zh (default) or en")


def fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def read_stdin_text() -> str:
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", errors="replace")
