"""ISO weeks, Monday to Sunday, in the area's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.bulletin.week import BadWeek, IsoWeek, format_date_range, local_date

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_parse_and_print() -> None:
    assert IsoWeek.parse("2026-W23") == IsoWeek(2026, 23)
    assert IsoWeek.parse(" 2026w5 ") == IsoWeek(2026, 5)
    assert str(IsoWeek(2026, 5)) == "2026-W05"


@pytest.mark.parametrize("text", ["2026-23", "W23", "2026-W00", "2025-W53", "2026-W54", "next week"])
def test_bad_weeks_are_refused(text: str) -> None:
    with pytest.raises(BadWeek):
        IsoWeek.parse(text)


def test_a_week_runs_monday_to_sunday() -> None:
    week = IsoWeek(2026, 23)
    assert (week.monday, week.sunday) == (date(2026, 6, 1), date(2026, 6, 7))
    assert IsoWeek.of(date(2026, 6, 7)) == week and IsoWeek.of(date(2026, 6, 8)) == IsoWeek(2026, 24)


def test_weeks_cross_years_including_53_week_years() -> None:
    assert IsoWeek(2026, 53).monday == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    assert IsoWeek(2025, 1).monday == date(2024, 12, 30)  # ISO week 1 may start in December
    assert IsoWeek(2026, 2).shift(-3) == IsoWeek(2025, 51)
    assert IsoWeek(2026, 23).weeks_since(IsoWeek(2025, 52)) == 23


def test_last_complete_week_is_seen_in_the_area_time_zone() -> None:
    # Sunday 7 June 2026, 23:30 in Ningbo is still 15:30 UTC on Sunday: week 23 has not ended
    assert IsoWeek.last_complete(datetime(2026, 6, 7, 15, 30, tzinfo=UTC), SHANGHAI) == IsoWeek(2026, 22)
    # 16:30 UTC is already Monday 00:30 in Ningbo: week 23 is complete
    assert IsoWeek.last_complete(datetime(2026, 6, 7, 16, 30, tzinfo=UTC), SHANGHAI) == IsoWeek(2026, 23)


def test_local_date_of_moments() -> None:
    assert local_date(datetime(2026, 6, 7, 17, 0, tzinfo=UTC), SHANGHAI) == date(2026, 6, 8)
    assert local_date(datetime(2026, 6, 7, 23, 0), SHANGHAI) == date(2026, 6, 7)  # naive: already local


@pytest.mark.parametrize(("start", "end", "zh", "en"), [
    (date(2026, 6, 1), date(2026, 6, 7), "2026年6月1日至7日", "1–7 June 2026"),
    (date(2026, 5, 25), date(2026, 5, 31), "2026年5月25日至31日", "25–31 May 2026"),
    (date(2026, 6, 29), date(2026, 7, 5), "2026年6月29日至7月5日", "29 June – 5 July 2026"),
    (date(2026, 12, 28), date(2027, 1, 3), "2026年12月28日至2027年1月3日", "28 December 2026 – 3 January 2027"),
])
def test_date_ranges_in_each_language(start: date, end: date, zh: str, en: str) -> None:
    assert format_date_range(start, end, "zh") == zh
    assert format_date_range(start, end, "en") == en
