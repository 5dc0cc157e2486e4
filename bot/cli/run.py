"""`fraudbot run --config FILE`: the Telegram bot."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from bot.cli.common import fail
from bot.config import ConfigError, load_config


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="run the Telegram bot (polling or webhook, from the config)")
    run.add_argument("--config", type=Path, required=True, help="the YAML config (see config.example.yaml)")
    run.set_defaults(handler=run_bot)


def run_bot(args: argparse.Namespace) -> int:
    from bot.telegram.runner import StartupError, run

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return fail(f"config error: {exc}")
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        run(config)
    except StartupError as exc:
        return fail(f"cannot start: {exc}")
    return 0
