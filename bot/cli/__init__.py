"""The `fraudbot` command: thin argument parsing over the services."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli import ask, bulletin, chat, content_cmd, inquiries, run
from bot.content.errors import ContentError

COMMAND_GROUPS = (ask, content_cmd, chat, run, inquiries, bulletin)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fraudbot",
        description="Fraud-awareness outreach bot: ask whether a message is a scam, run the Telegram bot, "
        "work the staff desk and publish the weekly fraud-map bulletin.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in COMMAND_GROUPS:
        group.register(subparsers)  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); silence the flush error at exit.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


if __name__ == "__main__":
    sys.exit(main())
