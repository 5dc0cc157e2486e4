"""A small case history for Testland whose every figure was worked out by hand (see the comments).

Weeks (Monday–Sunday): W20 = 11–17 May 2026, W21 = 18–24 May, W22 = 25–31 May, W23 = 1–7 June.

Cases per district:  W20  W21  W22  W23
  a (甲)               5    4    3    2   falls three weeks running: streak 3
  b (乙)               1    2    4    6   rising
  c (丙)               3    3    5    2   largest fall in W23 (5→2)
  d (丁)               0    0    0    0   never a case
  total                9    9   12   10
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from bot.services.bulletin.week import IsoWeek
from bot.storage.cases import Case
from tests.services.bulletin.conftest import case

W20, W21, W22, W23 = (IsoWeek(2026, w) for w in (20, 21, 22, 23))


def _day(week: IsoWeek, n: int) -> date:
    return week.monday + timedelta(days=n % 7)


def week23() -> list[Case]:
    """10 cases, 11,500 yuan. Types: investment 5, fake_customer_service 3, fake_loan 1 (700), task_rebate 1 (300)."""
    d = partial(_day, W23)
    return [
        case("w23-01", d(0), "a", "甲一街道", "investment", 1000, "F", 60),
        case("w23-02", d(1), "a", "甲一街道", "investment", 1000, "M", 62),
        case("w23-03", d(2), "b", "乙一街道", "investment", 2000, "M", 45),
        case("w23-04", d(3), "b", "乙一街道", "investment", 2000, "F", 50),
        case("w23-05", d(4), "b", "乙一街道", "fake_customer_service", 500, "F", 25),
        case("w23-06", d(5), "b", "乙二镇", "fake_customer_service", 500, "F", 27),
        case("w23-07", d(6), "b", "乙二镇", "fake_customer_service", 500, "M", 40),
        case("w23-08", d(6), "b", "乙二镇", "task_rebate", 300, None, None),
        case("w23-09", d(0), "c", "丙一镇", "investment", 3000, "F", 33),
        case("w23-10", d(6), "c", None, "fake_loan", 700, "M", 29),
    ]


def week22() -> list[Case]:
    """12 cases of 1,000 yuan: impersonate_police 6 (a 3, b 3), investment 4 (c), fake_customer_service 2."""
    d = partial(_day, W22)
    return (
        [case(f"w22-a{i}", d(i), "a", "甲二镇", "impersonate_police", 1000) for i in range(3)]
        + [case(f"w22-b{i}", d(i), "b", "乙一街道", "impersonate_police", 1000) for i in range(3)]
        + [case("w22-b3", d(3), "b", "乙一街道", "fake_customer_service", 1000)]
        + [case(f"w22-c{i}", d(i), "c", "丙二乡", "investment", 1000) for i in range(4)]
        + [case("w22-c4", d(6), "c", "丙二乡", "fake_customer_service", 1000)]
    )


def _filler(week: IsoWeek, counts: dict[str, int]) -> list[Case]:
    return [case(f"{week}-{district}{i}", _day(week, i), district, None, "investment", 100)
            for district, n in counts.items() for i in range(n)]


def history() -> list[Case]:
    """All four weeks, W20 first (the first week on record)."""
    return (_filler(W20, {"a": 5, "b": 1, "c": 3}) + _filler(W21, {"a": 4, "b": 2, "c": 3}) + week22() + week23())
