"""Building a week's bulletin: cases → figures → text (zh, en) → map and trend pictures → a stored draft."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.clock import utcnow
from bot.content.texts import Texts
from bot.services.bulletin.area import Area
from bot.services.bulletin.boundaries import Boundaries, load_boundaries
from bot.services.bulletin.figures import DEFAULT_SETTINGS, FigureSettings, WeekFigures, compute_figures
from bot.services.bulletin.text import BulletinText, BulletinWriter
from bot.services.bulletin.types import TypeCatalogue
from bot.services.bulletin.week import IsoWeek, local_date
from bot.storage import bulletins, cases
from bot.storage.bulletins import StoredBulletin
from bot.storage.cases import Case
from bot.storage.db import Database

HISTORY_WEEKS = 26  # weeks of cases read for streaks and the trend; a decline streak is counted up to this


class BulletinInputError(ValueError):
    """The bulletin cannot be built for this week (no data, a week that has not ended…).

    `reason` names the text `bulletin.error.<reason>` in content/texts, filled with `values`, for users;
    the exception's own message is the English form for logs and the command line.
    """

    def __init__(self, reason: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class BulletinDraft:
    area: str
    figures: WeekFigures
    text: BulletinText
    map_png: bytes
    trend_png: bytes

    @property
    def week(self) -> IsoWeek:
        return self.figures.week


@dataclass(frozen=True)
class BulletinMaker:
    """Everything a bulletin needs besides its cases; build one per area at start-up."""

    area: Area
    catalogue: TypeCatalogue
    texts: Texts
    boundaries: Boundaries
    settings: FigureSettings = DEFAULT_SETTINGS

    @classmethod
    def for_area(
        cls, area: Area, catalogue: TypeCatalogue, texts: Texts, settings: FigureSettings = DEFAULT_SETTINGS
    ) -> BulletinMaker:
        return cls(area, catalogue, texts, load_boundaries(area), settings)

    def build(self, week_cases: Iterable[Case], week: IsoWeek, history_start: date | None = None) -> BulletinDraft:
        """Figures, text and pictures of `week` (CPU only; run it in a thread from async code)."""
        figures = compute_figures(
            week_cases,
            week,
            self.area,
            history_start=history_start,
            type_order=list(self.catalogue),
            settings=self.settings,
        )
        # matplotlib is imported on first use, so commands that never draw (ask, chat, run) start fast.
        from bot.services.bulletin.charts import render_map, render_trend

        text = BulletinWriter(self.texts, self.area, self.catalogue).write(figures)
        return BulletinDraft(
            self.area.id,
            figures,
            text,
            render_map(figures, self.area, self.boundaries, self.texts),
            render_trend(figures, self.area, self.texts),
        )

    def check_week(self, week: IsoWeek, span: tuple[date, date] | None, today: date | None = None) -> None:
        """Refuse weeks the data cannot speak for; `span` is the first and last report date on record."""
        today = today or local_date(utcnow(), self.area.tz)
        if span is None:
            raise BulletinInputError("no_cases", f"no cases imported for {self.area.id}; import a case export first")
        first, last = span
        if week.sunday >= today:
            raise BulletinInputError("not_ended", f"week {week} ({week.monday}–{week.sunday}) has not ended yet",
                                     week=str(week))
        if week.sunday < first:
            raise BulletinInputError("before_first", f"week {week} is before the first case on record ({first})",
                                     week=str(week), first=first.isoformat())
        if week.monday > last:
            # an empty week at the end of the data looks exactly like a week whose export was not imported
            raise BulletinInputError(
                "after_last",
                f"no cases on record for week {week} or later (the last is from {last}); "
                f"import that week's export first",
                week=str(week), last=last.isoformat(),
            )

    def build_from_cases(self, all_cases: Sequence[Case], week: IsoWeek, today: date | None = None) -> BulletinDraft:
        """From a case list held in memory (e.g. a CSV file that was not imported)."""
        dates = [c.reported_on for c in all_cases]
        span = (min(dates), max(dates)) if dates else None
        self.check_week(week, span, today)
        return self.build(all_cases, week, span[0] if span else None)

    async def build_from_db(self, db: Database, week: IsoWeek, today: date | None = None) -> BulletinDraft:
        """From the imported cases of the last HISTORY_WEEKS weeks up to `week`."""
        span = await cases.case_date_range(db, self.area.id)
        self.check_week(week, span, today)
        assert span is not None
        first = span[0]
        window_start = week.monday - timedelta(weeks=HISTORY_WEEKS - 1)
        week_cases = await cases.cases_between(db, self.area.id, window_start, week.sunday)
        return await asyncio.to_thread(self.build, week_cases, week, max(first, window_start))


async def save_draft(db: Database, draft: BulletinDraft, created_by: int | None = None) -> int:
    """Store the draft for staff preview (replacing an unpublished draft of the same week)."""
    return await bulletins.save_draft(
        db,
        week=str(draft.week),
        area=draft.area,
        text_zh=draft.text.text["zh"],
        text_en=draft.text.text["en"],
        district_lines=draft.text.district_lines,
        map_png=draft.map_png,
        trend_png=draft.trend_png,
        created_by=created_by,
    )


def write_outputs(draft: BulletinDraft, out_dir: Path) -> list[Path]:
    """bulletin_zh.txt, bulletin_en.txt, map.png and trend.png in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "bulletin_zh.txt": draft.text.text["zh"].encode("utf-8"),
        "bulletin_en.txt": draft.text.text["en"].encode("utf-8"),
        "map.png": draft.map_png,
        "trend.png": draft.trend_png,
    }
    for name, data in files.items():
        (out_dir / name).write_bytes(data + (b"\n" if name.endswith(".txt") else b""))
    return [out_dir / name for name in files]


def subscriber_text(bulletin: StoredBulletin, districts: Sequence[str], lang: str, area: Area | None = None) -> str:
    """The bulletin as one subscriber reads it: their own districts' lines first, then the whole text."""
    order = [d.id for d in area.districts] if area else sorted(bulletin.district_lines)
    lines = [line for d in order if d in districts and (line := bulletin.district_line(d, lang))]
    return "\n".join(lines) + "\n\n" + bulletin.text(lang) if lines else bulletin.text(lang)
