"""`fraudbot inquiries` and `fraudbot stats`: what was asked, what editors should review, staff figures."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from datetime import timedelta
from pathlib import Path

from bot.cli.common import fail
from bot.clock import utcnow
from bot.config import ConfigError, load_config
from bot.storage import inquiries as store
from bot.storage.db import Database

CSV_FIELDS = ("id", "created_at", "channel", "source", "risk", "scam_type", "rule_id", "score", "stage",
              "escalate", "priority", "amount", "lang", "latency_ms", "signals", "text", "why")
PERIODS = {"day": 1, "week": 7, "month": 30, "all": 36500}


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="the YAML config (for the database path)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: from the config)")


def register(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser("inquiries", help="list or export logged questions")
    listing.add_argument("--misses", action="store_true",
                         help="only what editors should review: low-risk answers to payment talk, 'not helpful'")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--csv", type=Path, default=None, metavar="FILE", help="write CSV to FILE ('-' = stdout)")
    _db_option(listing)
    listing.set_defaults(handler=run_inquiries)

    stats = subparsers.add_parser("stats", help="inquiries by type and risk, escalations, helpful rate")
    stats.add_argument("--period", choices=sorted(PERIODS), default="week")
    _db_option(stats)
    stats.set_defaults(handler=run_stats)


def _database(args: argparse.Namespace) -> Path:
    return args.db or load_config(args.config).storage.database


def _write_csv(rows: list[dict[str, object]], target: Path) -> None:
    handle = sys.stdout if str(target) == "-" else target.open("w", newline="", encoding="utf-8-sig")
    try:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if handle is not sys.stdout:
            handle.close()


def _print_rows(rows: list[dict[str, object]]) -> None:
    if not rows:
        print("no inquiries")
        return
    for row in rows:
        text = str(row.get("text") or "(text purged)").replace("\n", " ")
        why = f"  [{row['why']}]" if row.get("why") else ""
        print(f"#{row['id']} {str(row['created_at'])[:16]} {row['risk']:<6} {row['scam_type'] or '-':<24} "
              f"{text[:60]}{why}")


async def _inquiries(database: Path, misses: bool, limit: int) -> list[dict[str, object]]:
    from bot.engine.normalise import Normaliser
    from bot.services.inquiries import PAYMENT_WORDS

    async with Database(database) as db:
        words = tuple(Normaliser().keyword(w) for w in PAYMENT_WORDS)
        return await store.list_inquiries(db, misses=misses, limit=limit, payment_words=words)


def run_inquiries(args: argparse.Namespace) -> int:
    try:
        rows = asyncio.run(_inquiries(_database(args), args.misses, args.limit))
    except ConfigError as exc:
        return fail(f"config error: {exc}")
    if args.csv:
        _write_csv(rows, args.csv)
    else:
        _print_rows(rows)
    return 0


async def _stats(database: Path, days: int) -> dict[str, object]:
    since = (utcnow() - timedelta(days=days)).isoformat(timespec="milliseconds")
    async with Database(database) as db:
        return await store.inquiry_stats(db, since)


def run_stats(args: argparse.Namespace) -> int:
    try:
        figures = asyncio.run(_stats(_database(args), PERIODS[args.period]))
    except ConfigError as exc:
        return fail(f"config error: {exc}")
    helpful_rate = figures["helpful"] / figures["feedback"] if figures["feedback"] else 0.0
    print(f"period: last {args.period}")
    print(f"inquiries answered: {figures['inquiries']}")
    print("by risk: " + ", ".join(f"{k} {v}" for k, v in figures["by_risk"].items()))
    print("by type: " + ", ".join(f"{k} {v}" for k, v in figures["by_type"].items()))
    print(f"escalations (help requests): {figures['escalations']}")
    print(f"helpful rate: {helpful_rate:.0%} of {figures['feedback']} rated answers")
    return 0
