"""Build a weekly bulletin (figures + text + map + trend) from 100,000 case rows and print the seconds.

Bar: under 5 s for the build, map included. The rows are synthetic (demo-data), spread over 10 weeks;
importing them is timed separately, as it happens once when staff send the export, not per bulletin.

    .venv/bin/python benchmarks/bench_bulletin.py [--rows 100000] [--weeks 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.content import load_content
from bot.services.bulletin.area import load_area
from bot.services.bulletin.build import BulletinMaker
from bot.services.bulletin.csvimport import parse_cases
from bot.services.bulletin.demo import cases_to_csv, generate_demo_cases
from bot.services.bulletin.types import catalogue_from_base
from bot.services.bulletin.week import IsoWeek
from bot.storage.cases import import_cases
from bot.storage.db import Database
from bot.taxonomy import SCAM_TYPES

BAR_SECONDS = 5.0
WEEK = IsoWeek(2026, 24)
TODAY = date(2026, 7, 1)


async def bench(rows: int, weeks: int) -> bool:
    area = load_area("ningbo")
    base = load_content()
    maker = BulletinMaker.for_area(area, catalogue_from_base(base), base.texts)
    cases = generate_demo_cases(area, WEEK, weeks=weeks, rows_per_week=rows // weeks, seed=1)[-rows:]
    csv_text = cases_to_csv(cases, area)

    started = time.perf_counter()
    parsed = parse_cases(csv_text, area, SCAM_TYPES, today=TODAY)
    parse_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        async with Database(Path(folder) / "bench.sqlite3") as db:
            started = time.perf_counter()
            await import_cases(db, parsed, area="ningbo", file_name="bench.csv")
            import_seconds = time.perf_counter() - started

            started = time.perf_counter()
            draft = await maker.build_from_db(db, WEEK, today=TODAY)
            build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    maker.build_from_cases(parsed, WEEK, today=TODAY)
    memory_seconds = time.perf_counter() - started

    print(f"case rows:                         {len(parsed):,} over {weeks} weeks")
    print(f"validate CSV:                      {parse_seconds:.2f} s")
    print(f"import into SQLite (one tx):       {import_seconds:.2f} s")
    print(f"build from SQLite (figures, text, map, trend): {build_seconds:.2f} s  (bar < {BAR_SECONDS:.0f} s)")
    print(f"build from rows in memory:         {memory_seconds:.2f} s")
    print(
        f"week {draft.week}: {draft.figures.totals.cases:,} cases; map {len(draft.map_png) // 1024} KB, "
        f"trend {len(draft.trend_png) // 1024} KB"
    )
    return build_seconds < BAR_SECONDS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=10)
    args = parser.parse_args()
    return 0 if asyncio.run(bench(args.rows, args.weeks)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
