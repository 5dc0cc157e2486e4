"""Imported fraud cases (one row per case of the anonymised export) and the imports they came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import aiosqlite

from bot.clock import now_iso
from bot.storage.db import Database

_CHUNK = 500  # ids per `IN (...)` query, well under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class Case:
    """One reported case; `reported_on` is the calendar date in the area's time zone."""

    case_id: str
    reported_on: date
    district: str
    town: str | None
    scam_type: str
    amount: float
    gender: str | None  # 'F', 'M' or unknown
    age: int | None


@dataclass(frozen=True)
class ImportSummary:
    import_id: int
    rows: int
    new: int
    updated: int
    unchanged: int


class CaseAreaConflict(Exception):
    """Case ids already imported for another area: ids are unique across the whole database."""

    def __init__(self, conflicts: dict[str, str]) -> None:
        self.conflicts = conflicts
        sample = ", ".join(f"{case_id} ({area})" for case_id, area in list(conflicts.items())[:5])
        super().__init__(f"{len(conflicts)} case id(s) already imported for another area: {sample}")


_COLUMNS = "case_id, reported_on, district, town, scam_type, amount, gender, age"


def _row(case: Case) -> tuple[object, ...]:
    return (
        case.case_id,
        case.reported_on.isoformat(),
        case.district,
        case.town,
        case.scam_type,
        case.amount,
        case.gender,
        case.age,
    )


def _case(row: aiosqlite.Row | tuple[object, ...]) -> Case:
    return Case(
        row[0],
        date.fromisoformat(row[1]),
        row[2],
        row[3],
        row[4],
        float(row[5]),
        row[6],
        None if row[7] is None else int(row[7]),
    )


async def import_cases(
    db: Database, cases: Sequence[Case], *, area: str, file_name: str, imported_by: int | None = None
) -> ImportSummary:
    """Store all `cases` in one transaction: new ids are added, changed ids replaced, identical ones kept.

    A re-sent or corrected export therefore never counts a case twice. Ids that belong to another area
    abort the whole import (CaseAreaConflict) and nothing is written.
    """
    async with db.transaction() as tx:
        existing = await _existing(tx, [c.case_id for c in cases])
        conflicts = {cid: a for cid, (_, a) in existing.items() if a != area}
        if conflicts:
            raise CaseAreaConflict(conflicts)
        changed = [c for c in cases if c.case_id in existing and existing[c.case_id][0] != c]
        new = [c for c in cases if c.case_id not in existing]
        cursor = await tx.execute(
            "INSERT INTO case_imports(file_name, area, rows, imported_by, imported_at) VALUES (?, ?, ?, ?, ?)",
            (file_name, area, len(cases), imported_by, now_iso()),
        )
        import_id = cursor.lastrowid or 0
        await tx.executemany(
            f"""INSERT INTO cases({_COLUMNS}, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(case_id) DO UPDATE SET reported_on = excluded.reported_on,
                    district = excluded.district, town = excluded.town, scam_type = excluded.scam_type,
                    amount = excluded.amount, gender = excluded.gender, age = excluded.age,
                    import_id = excluded.import_id""",
            [(*_row(c), import_id) for c in [*new, *changed]],
        )
    return ImportSummary(import_id, len(cases), len(new), len(changed), len(cases) - len(new) - len(changed))


async def _existing(tx: aiosqlite.Connection, ids: Sequence[str]) -> dict[str, tuple[Case, str]]:
    found: dict[str, tuple[Case, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        cursor = await tx.execute(
            f"""SELECT {", ".join("c." + col for col in _COLUMNS.split(", "))}, i.area
                FROM cases c JOIN case_imports i ON i.id = c.import_id WHERE c.case_id IN ({marks})""",
            chunk,
        )
        for row in await cursor.fetchall():
            found[row[0]] = (_case(row), row[8])
    return found


async def cases_between(db: Database, area: str, first: date, last: date) -> list[Case]:
    """The area's cases reported from `first` to `last`, both included."""
    rows = await db.fetchall(
        f"""SELECT {", ".join("c." + col for col in _COLUMNS.split(", "))}
            FROM cases c JOIN case_imports i ON i.id = c.import_id
            WHERE i.area = ? AND c.reported_on BETWEEN ? AND ?""",
        (area, first.isoformat(), last.isoformat()),
    )
    return [_case(row) for row in rows]


async def case_date_range(db: Database, area: str) -> tuple[date, date] | None:
    """The earliest and latest report dates on record for the area (None without cases)."""
    row = await db.fetchone(
        "SELECT MIN(c.reported_on), MAX(c.reported_on) FROM cases c JOIN case_imports i ON i.id = c.import_id "
        "WHERE i.area = ?",
        (area,),
    )
    if row is None or row[0] is None:
        return None
    return date.fromisoformat(row[0]), date.fromisoformat(row[1])


async def first_case_date(db: Database, area: str) -> date | None:
    """The earliest report date on record for the area: the start of its history."""
    span = await case_date_range(db, area)
    return span[0] if span else None


async def count_cases(db: Database, area: str) -> int:
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM cases c JOIN case_imports i ON i.id = c.import_id WHERE i.area = ?", (area,)
        )
    )
