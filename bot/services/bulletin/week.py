"""Bulletin weeks: ISO weeks (Monday–Sunday) written like 2026-W23, counted in the area's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # not strftime's %B, which follows the process locale


class BadWeek(ValueError):
    """A week id a user typed that is not a real ISO week."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        last = date(self.year, 12, 28).isocalendar().week  # 28 December is always in the last ISO week
        if not 1 <= self.week <= last:
            raise BadWeek(f"{self.year} has ISO weeks 1 to {last}, not {self.week}")

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = _WEEK.match(text.strip())
        if not match:
            raise BadWeek(f"not a week: {text!r} (expected e.g. 2026-W23)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def last_complete(cls, now: datetime, tz: tzinfo) -> IsoWeek:
        """The most recent week that has fully ended, as seen in the area's time zone."""
        return cls.of(now.astimezone(tz).date()).shift(-1)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 7)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def previous(self) -> IsoWeek:
        return self.shift(-1)

    def weeks_since(self, other: IsoWeek) -> int:
        """How many weeks `self` is after `other` (negative if before)."""
        return (self.monday - other.monday).days // 7

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar date of `moment` in the area's time zone (naive datetimes are taken as local)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(tz).date()


def format_date_range(start: date, end: date, lang: str) -> str:
    """'6月1日至7日' / '1–7 June 2026', the way each language writes a week."""
    if lang == "en":
        first, last = _MONTHS[start.month - 1], _MONTHS[end.month - 1]
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {last} {end.year}"
        if start.year == end.year:
            return f"{start.day} {first} – {end.day} {last} {end.year}"
        return f"{start.day} {first} {start.year} – {end.day} {last} {end.year}"
    if start.year != end.year:
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    if start.month == end.month:
        return f"{start.year}年{start.month}月{start.day}日至{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
