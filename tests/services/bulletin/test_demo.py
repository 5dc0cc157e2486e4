"""Synthetic demo exports: seeded, complete, seasonal, and impossible to mistake for real cases."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bot.services.bulletin.area import Area
from bot.services.bulletin.csvimport import parse_cases
from bot.services.bulletin.demo import PROFILES, SYNTHETIC_NOTICE, cases_to_csv, generate_demo_cases
from bot.services.bulletin.week import IsoWeek
from bot.taxonomy import SCAM_TYPES

END = IsoWeek(2026, 24)


def test_every_taxonomy_type_has_a_profile() -> None:
    assert set(PROFILES) == set(SCAM_TYPES)


def test_same_seed_same_cases_other_seed_other_cases(ningbo: Area) -> None:
    first = generate_demo_cases(ningbo, END, weeks=3, seed=7)
    assert first == generate_demo_cases(ningbo, END, weeks=3, seed=7)
    assert first != generate_demo_cases(ningbo, END, weeks=3, seed=8)


def test_all_districts_types_and_weeks_appear(ningbo: Area) -> None:
    cases = generate_demo_cases(ningbo, END, weeks=10, seed=1)
    assert {c.district for c in cases} == {d.id for d in ningbo.districts}
    assert {c.scam_type for c in cases} == set(SCAM_TYPES)
    assert {IsoWeek.of(c.reported_on) for c in cases} == {END.shift(-i) for i in range(10)}
    assert 150 * 10 < len(cases) < 400 * 10
    assert all(c.case_id.startswith("DEMO-ningbo-") for c in cases)
    assert len({c.case_id for c in cases}) == len(cases)


def test_fake_customer_service_rises_before_618_and_double_11(ningbo: Area) -> None:
    def share(week: IsoWeek) -> float:
        cases = generate_demo_cases(ningbo, week, weeks=1, rows_per_week=2000, seed=3)
        return Counter(c.scam_type for c in cases)["fake_customer_service"] / len(cases)

    april, before_618 = share(IsoWeek(2026, 16)), share(IsoWeek(2026, 24))
    october, before_double_11 = share(IsoWeek(2026, 40)), share(IsoWeek(2026, 45))
    assert before_618 > april * 1.5
    assert before_double_11 > october * 1.5


def test_victims_of_refund_scams_are_mostly_young_women(ningbo: Area) -> None:
    cases = [c for c in generate_demo_cases(ningbo, END, weeks=4, seed=4) if c.scam_type == "fake_customer_service"]
    women = sum(c.gender == "F" for c in cases) / sum(c.gender is not None for c in cases)
    ages = sorted(c.age for c in cases if c.age is not None)
    assert women > 0.55
    assert 22 <= ages[len(ages) // 2] <= 32


def test_the_csv_is_marked_synthetic_and_imports_cleanly(ningbo: Area) -> None:
    cases = generate_demo_cases(ningbo, END, weeks=2, seed=9)
    text = cases_to_csv(cases, ningbo)
    assert text.splitlines()[0] == SYNTHETIC_NOTICE and "SYNTHETIC" in SYNTHETIC_NOTICE
    assert "慈溪市" in text  # Chinese district names, as a statistics export would have them
    assert parse_cases(text, ningbo, SCAM_TYPES, today=date(2026, 7, 1)) == cases


def test_zero_rows_per_week_gives_an_empty_export(ningbo: Area) -> None:
    assert generate_demo_cases(ningbo, END, weeks=2, rows_per_week=0) == []
