"""Stored cases: read back by area and date range."""

from __future__ import annotations

from datetime import date

from bot.storage import cases
from bot.storage.cases import Case
from bot.storage.db import Database


def _case(case_id: str, day: date, district: str = "haishu") -> Case:
    return Case(case_id, day, district, "鼓楼街道", "investment", 1234.5, "F", 30)


async def test_cases_are_read_back_by_area_and_inclusive_dates(db: Database) -> None:
    await cases.import_cases(db, [_case("n1", date(2026, 6, 1)), _case("n2", date(2026, 6, 7)),
                                  _case("n3", date(2026, 6, 8))], area="ningbo", file_name="n.csv")
    await cases.import_cases(db, [_case("z1", date(2026, 6, 2), "dinghai")], area="zhoushan", file_name="z.csv")
    week = await cases.cases_between(db, "ningbo", date(2026, 6, 1), date(2026, 6, 7))
    assert sorted(c.case_id for c in week) == ["n1", "n2"]
    assert week[0] == _case(week[0].case_id, week[0].reported_on)
    assert await cases.first_case_date(db, "ningbo") == date(2026, 6, 1)
    assert await cases.first_case_date(db, "zhoushan") == date(2026, 6, 2)
    assert await cases.first_case_date(db, "taizhou") is None
    assert await cases.count_cases(db, "ningbo") == 3


async def test_an_identical_reimport_changes_nothing(db: Database) -> None:
    batch = [_case(f"n{i}", date(2026, 6, 1)) for i in range(1200)]  # more ids than one IN (...) query
    await cases.import_cases(db, batch, area="ningbo", file_name="a.csv")
    summary = await cases.import_cases(db, batch, area="ningbo", file_name="a.csv")
    assert (summary.new, summary.updated, summary.unchanged) == (0, 0, 1200)
    assert await cases.count_cases(db, "ningbo") == 1200
