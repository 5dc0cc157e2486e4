"""The week's figures, computed from case records alone (pure: no database, no text, no pictures).

Definitions (each has a test on hand-computed data):
- A week is Monday–Sunday of the case's local report date; the *history* starts on the earliest case on
  record. A week whose Monday is not after that start has no previous week: changes are `None`.
- Districts are ranked by cases, then amount, then the area file's order. "Top N", "largest falls" and
  "hot towns" include everything tied with the N-th entry, so a tie is never cut arbitrarily, and never
  list a district or town without cases.
- A district *rose* when it had more cases than the week before; its *fall* is the drop in cases (ties
  broken by the larger percentage fall). Its *decline streak* is how many weeks in a row, ending with
  this week, each week had fewer cases than the week before (counted inside the history).
- The *major types* are the smallest set of types, taken from the most frequent down, whose cases reach
  `majority_share` (80%) of all cases: "the N types that make up most cases".
- The *special alert* is the type with the largest percentage rise over the week before among types with
  at least `alert_min_cases` cases this week and some cases last week (a rise from 1 to 3 is not news).
  Its victim profile gives the gender shares among victims of known gender and the densest band of
  `age_band_years` consecutive ages, reported as the youngest and oldest age inside that band.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from bot.services.bulletin.area import Area
from bot.services.bulletin.week import IsoWeek
from bot.storage.cases import Case

T = TypeVar("T")
SYNTHETIC_PREFIX = "DEMO-"  # case ids of generated demo data; a bulletin built on them says so


@dataclass(frozen=True)
class FigureSettings:
    top_districts: int = 3
    top_falls: int = 3
    hot_towns: int = 3
    majority_share: float = 0.8
    min_streak: int = 2
    alert_min_cases: int = 10
    age_band_years: int = 5
    profile_min_known: int = 3
    trend_weeks: int = 8


DEFAULT_SETTINGS = FigureSettings()


@dataclass(frozen=True)
class Change:
    current: float
    previous: float | None

    @property
    def delta(self) -> float | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def pct(self) -> float | None:
        """Percentage change; None without a previous week or from zero."""
        if not self.previous:
            return None
        return (self.current - self.previous) / self.previous * 100


@dataclass(frozen=True)
class Totals:
    cases: int
    amount: float
    previous_cases: int | None
    previous_amount: float | None

    @property
    def case_change(self) -> Change:
        return Change(self.cases, self.previous_cases)

    @property
    def amount_change(self) -> Change:
        return Change(self.amount, self.previous_amount)


@dataclass(frozen=True)
class TownFigure:
    district: str
    town: str
    cases: int


@dataclass(frozen=True)
class DistrictFigure:
    district: str
    cases: int
    amount: float
    previous: int | None
    rank: int  # 1 + the number of districts with more cases (tied districts share a rank)
    decline_streak: int
    top_town: TownFigure | None

    @property
    def change(self) -> Change:
        return Change(self.cases, self.previous)


@dataclass(frozen=True)
class TypeFigure:
    scam_type: str
    cases: int
    amount: float
    share: float  # of all cases this week, 0–1
    previous: int | None

    @property
    def change(self) -> Change:
        return Change(self.cases, self.previous)


@dataclass(frozen=True)
class VictimProfile:
    female: int
    male: int
    known_age: int
    age_low: int | None
    age_high: int | None
    in_band: int

    @property
    def known_gender(self) -> int:
        return self.female + self.male

    @property
    def dominant_gender(self) -> tuple[str, float] | None:
        """('F' or 'M', its share 0–1), or None when unknown or equal."""
        if self.female == self.male:
            return None
        gender, count = ("F", self.female) if self.female > self.male else ("M", self.male)
        return gender, count / self.known_gender

    @property
    def band_share(self) -> float | None:
        return self.in_band / self.known_age if self.known_age else None


@dataclass(frozen=True)
class Alert:
    scam_type: str
    cases: int
    previous: int
    profile: VictimProfile

    @property
    def change(self) -> Change:
        return Change(self.cases, self.previous)


@dataclass(frozen=True)
class TrendPoint:
    week: IsoWeek
    cases: int
    amount: float


@dataclass(frozen=True)
class WeekFigures:
    area: str
    week: IsoWeek
    has_previous: bool
    synthetic: bool
    totals: Totals
    districts: tuple[DistrictFigure, ...]  # all districts of the area, ranked
    top_districts: tuple[DistrictFigure, ...]
    rising: tuple[DistrictFigure, ...]
    falling: tuple[DistrictFigure, ...]
    streaks: tuple[DistrictFigure, ...]  # decline streak ≥ min_streak, longest first
    hot_towns: tuple[TownFigure, ...]
    types: tuple[TypeFigure, ...]  # types with cases this week, ranked
    major_types: tuple[TypeFigure, ...]
    falling_type: TypeFigure | None
    alert: Alert | None
    trend: tuple[TrendPoint, ...] = field(default=())

    @property
    def major_share(self) -> float:
        return sum(t.share for t in self.major_types)

    def district(self, district_id: str) -> DistrictFigure:
        return next(d for d in self.districts if d.district == district_id)


@dataclass
class _Tally:
    cases: int = 0
    amount: float = 0.0

    def add(self, case: Case) -> None:
        self.cases += 1
        self.amount += case.amount


def compute_figures(
    cases: Iterable[Case],
    week: IsoWeek,
    area: Area,
    *,
    history_start: date | None = None,
    type_order: Sequence[str] = (),
    settings: FigureSettings = DEFAULT_SETTINGS,
) -> WeekFigures:
    """All figures of `week`; `cases` may span any weeks (later ones are ignored).

    `history_start` is the earliest report date on record; by default the earliest date among `cases`.
    """
    cases = list(cases)
    if history_start is None and cases:
        history_start = min(c.reported_on for c in cases)
    first = IsoWeek.of(history_start) if history_start else week
    span = max(week.weeks_since(first), 0)  # weeks of history before `week`
    has_previous = span > 0
    monday = week.monday.toordinal()

    weekly: list[_Tally] = [_Tally() for _ in range(span + 1)]  # index 0 = `week`, 1 = the week before…
    by_district: defaultdict[str, list[int]] = defaultdict(lambda: [0] * (span + 1))
    this_week: list[Case] = []
    last_week: list[Case] = []
    synthetic = False
    for case in cases:
        back = (monday - case.reported_on.toordinal() + 6) // 7
        if back < 0 or back > span:
            continue
        weekly[back].add(case)
        by_district[case.district][back] += 1
        synthetic = synthetic or case.case_id.startswith(SYNTHETIC_PREFIX)
        if back == 0:
            this_week.append(case)
        elif back == 1:
            last_week.append(case)

    previous = weekly[1] if has_previous else None
    totals = Totals(
        weekly[0].cases,
        weekly[0].amount,
        previous.cases if previous else None,
        previous.amount if previous else None,
    )
    districts = _districts(area, this_week, by_district, has_previous)
    types = _types(this_week, last_week, has_previous, type_order)
    return WeekFigures(
        area=area.id,
        week=week,
        has_previous=has_previous,
        synthetic=synthetic,
        totals=totals,
        districts=districts,
        top_districts=top_with_ties(districts, settings.top_districts, lambda d: d.cases),
        rising=_rising(districts),
        falling=_falling(districts, settings.top_falls),
        streaks=tuple(
            sorted(
                (d for d in districts if d.decline_streak >= settings.min_streak),
                key=lambda d: -d.decline_streak,
            )
        ),
        hot_towns=top_with_ties(_towns(area, this_week), settings.hot_towns, lambda t: t.cases),
        types=types,
        major_types=_major(types, settings.majority_share),
        falling_type=_falling_type(types, last_week, has_previous, type_order),
        alert=_alert(types, this_week, settings),
        trend=tuple(
            TrendPoint(week.shift(-back), weekly[back].cases, weekly[back].amount)
            for back in reversed(range(min(span, settings.trend_weeks - 1) + 1))
        ),
    )


def top_with_ties(ranked: Sequence[T], n: int, key: Callable[[T], float]) -> tuple[T, ...]:
    """The first `n` of `ranked` with a positive key, plus any tied with the n-th."""
    positive = [item for item in ranked if key(item) > 0]
    if len(positive) <= n:
        return tuple(positive)
    cutoff = key(positive[n - 1])
    return tuple(item for item in positive if key(item) >= cutoff)


def _districts(
    area: Area,
    this_week: list[Case],
    by_district: dict[str, list[int]],
    has_previous: bool,
) -> tuple[DistrictFigure, ...]:
    amounts: Counter[str] = Counter()
    for case in this_week:
        amounts[case.district] += case.amount
    towns = _towns(area, this_week)
    counts = {d.id: by_district.get(d.id, [0])[0] for d in area.districts}
    figures = []
    for district in area.districts:
        history = by_district.get(district.id, [0] * 2)
        figures.append(
            DistrictFigure(
                district=district.id,
                cases=counts[district.id],
                amount=round(amounts[district.id], 2),
                previous=history[1] if has_previous else None,
                rank=1 + sum(1 for c in counts.values() if c > counts[district.id]),
                decline_streak=_streak(history) if has_previous else 0,
                top_town=next((t for t in towns if t.district == district.id), None),
            )
        )
    return tuple(sorted(figures, key=lambda d: (-d.cases, -d.amount, area.order(d.district))))


def _streak(history: list[int]) -> int:
    """Consecutive weekly declines ending with the newest week (history[0] newest)."""
    streak = 0
    while streak + 1 < len(history) and history[streak] < history[streak + 1]:
        streak += 1
    return streak


def _rising(districts: tuple[DistrictFigure, ...]) -> tuple[DistrictFigure, ...]:
    risers = [d for d in districts if d.previous is not None and d.cases > d.previous]
    return tuple(sorted(risers, key=lambda d: (-(d.cases - (d.previous or 0)), -(d.change.pct or float("inf")))))


def _falling(districts: tuple[DistrictFigure, ...], n: int) -> tuple[DistrictFigure, ...]:
    fallers = [d for d in districts if d.previous is not None and d.cases < d.previous]
    fallers.sort(key=lambda d: (-((d.previous or 0) - d.cases), d.change.pct or 0.0))
    return top_with_ties(fallers, n, lambda d: (d.previous or 0) - d.cases)


def _towns(area: Area, this_week: list[Case]) -> list[TownFigure]:
    counts: Counter[tuple[str, str]] = Counter((c.district, c.town) for c in this_week if c.town)
    order = {(d.id, t.zh): (i, j) for i, d in enumerate(area.districts) for j, t in enumerate(d.towns)}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], order.get(item[0], (len(order), 0))))
    return [TownFigure(district, town, n) for (district, town), n in ranked]


def _types(
    this_week: list[Case], last_week: list[Case], has_previous: bool, type_order: Sequence[str]
) -> tuple[TypeFigure, ...]:
    tallies: defaultdict[str, _Tally] = defaultdict(_Tally)
    for case in this_week:
        tallies[case.scam_type].add(case)
    before = Counter(c.scam_type for c in last_week)
    total = len(this_week)
    order = {type_id: i for i, type_id in enumerate(type_order)}
    figures = [
        TypeFigure(t, tally.cases, round(tally.amount, 2), tally.cases / total, before[t] if has_previous else None)
        for t, tally in tallies.items()
    ]
    return tuple(sorted(figures, key=lambda f: (-f.cases, -f.amount, order.get(f.scam_type, len(order)), f.scam_type)))


def _major(types: tuple[TypeFigure, ...], share: float) -> tuple[TypeFigure, ...]:
    total = sum(t.cases for t in types)
    chosen: list[TypeFigure] = []
    covered = 0
    for figure in types:
        if covered >= share * total - 1e-9 and chosen:
            break
        chosen.append(figure)
        covered += figure.cases
    return tuple(chosen)


def _falling_type(
    types: tuple[TypeFigure, ...], last_week: list[Case], has_previous: bool, type_order: Sequence[str]
) -> TypeFigure | None:
    """The type with the largest drop in cases (it may have none left this week)."""
    if not has_previous:
        return None
    now = {t.scam_type: t for t in types}
    before = Counter(c.scam_type for c in last_week)
    order = {type_id: i for i, type_id in enumerate(type_order)}
    drops = [(before[t] - (now[t].cases if t in now else 0), t) for t in before]
    drops = [(drop, t) for drop, t in drops if drop > 0]
    if not drops:
        return None
    _, type_id = min(
        drops,
        key=lambda item: (-item[0], -item[0] / before[item[1]], order.get(item[1], len(order)), item[1]),
    )
    return now.get(type_id) or TypeFigure(type_id, 0, 0.0, 0.0, before[type_id])


def _alert(types: tuple[TypeFigure, ...], this_week: list[Case], settings: FigureSettings) -> Alert | None:
    candidates = [t for t in types if t.previous and t.cases > t.previous and t.cases >= settings.alert_min_cases]
    if not candidates:
        return None
    # `types` is already in rank order, so max() keeps the better-ranked type on a tie
    best = max(candidates, key=lambda t: (t.change.pct, t.cases - (t.previous or 0)))
    victims = [c for c in this_week if c.scam_type == best.scam_type]
    return Alert(best.scam_type, best.cases, best.previous or 0, victim_profile(victims, settings))


def victim_profile(victims: Sequence[Case], settings: FigureSettings = DEFAULT_SETTINGS) -> VictimProfile:
    female = sum(1 for v in victims if v.gender == "F")
    male = sum(1 for v in victims if v.gender == "M")
    ages = Counter(v.age for v in victims if v.age is not None)
    known = sum(ages.values())
    if known < settings.profile_min_known:
        return VictimProfile(female, male, known, None, None, 0)
    best_start, best_count = 0, -1
    for start in range(min(ages), max(ages) + 1):
        count = sum(ages[a] for a in range(start, start + settings.age_band_years))
        if count > best_count:
            best_start, best_count = start, count
    inside = [a for a in ages if best_start <= a < best_start + settings.age_band_years]
    return VictimProfile(female, male, known, min(inside), max(inside), best_count)
