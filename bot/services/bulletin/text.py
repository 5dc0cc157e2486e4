"""The bulletin's words: figures put into the templates of content/texts/bulletin.yaml, in zh and en."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.texts import Texts
from bot.services.bulletin.area import Area
from bot.services.bulletin.figures import Change, DistrictFigure, TownFigure, WeekFigures
from bot.services.bulletin.types import TypeCatalogue
from bot.services.bulletin.week import format_date_range

LANGS = ("zh", "en")
TELEGRAM_TEXT_LIMIT = 4096
DISTRICT_LINES_ROOM = 1000  # a subscriber's own district lines go before the text in the same message
_AMOUNT_SCALE = {"zh": 10_000, "en": 1_000_000}  # 万元 in Chinese, millions in English


class BulletinTooLong(ValueError):
    """The templates produced more than one Telegram message can hold."""


@dataclass(frozen=True)
class BulletinText:
    text: dict[str, str]  # lang -> whole bulletin
    caption: dict[str, str]  # lang -> short caption of the map picture
    district_lines: dict[str, dict[str, str]]  # district id -> lang -> the district's own first line


def format_pct(value: float) -> str:
    """15.2% — one decimal, none when it is .0 (97%)."""
    text = f"{abs(value):.1f}".removesuffix(".0")
    return f"{text}%"


class BulletinWriter:
    """Writes one week's bulletin from its figures; one instance per area, catalogue and texts."""

    def __init__(self, texts: Texts, area: Area, catalogue: TypeCatalogue) -> None:
        self.texts = texts
        self.area = area
        self.catalogue = catalogue

    def write(self, figures: WeekFigures) -> BulletinText:
        text = {lang: self.bulletin(figures, lang) for lang in LANGS}
        for lang, body in text.items():
            if len(body) > TELEGRAM_TEXT_LIMIT - DISTRICT_LINES_ROOM:
                raise BulletinTooLong(
                    f"the {lang} bulletin has {len(body)} characters; with a subscriber's "
                    f"district lines it must fit Telegram's {TELEGRAM_TEXT_LIMIT}"
                )
        return BulletinText(
            text=text,
            caption={lang: self.caption(figures, lang) for lang in LANGS},
            district_lines={
                d.id: {lang: self.district_line(figures, d.id, lang) for lang in LANGS} for d in self.area.districts
            },
        )

    # -- whole bulletin ------------------------------------------------------------------------------

    def bulletin(self, figures: WeekFigures, lang: str) -> str:
        paragraphs = [self.title(figures, lang)]
        if figures.synthetic:
            paragraphs.append(self.t("bulletin.synthetic", lang))
        paragraphs += [
            self.totals(figures, lang),
            self.districts(figures, lang),
            self.towns(figures, lang),
            self.types(figures, lang),
            self.alert(figures, lang),
            self.t("bulletin.footer", lang),
        ]
        return "\n\n".join(p for p in paragraphs if p)

    def title(self, figures: WeekFigures, lang: str) -> str:
        return self.t(
            "bulletin.title",
            lang,
            area=self.area.name.get(lang),
            week=str(figures.week),
            dates=self.dates(figures, lang),
        )

    def caption(self, figures: WeekFigures, lang: str) -> str:
        return self.t(
            "bulletin.caption",
            lang,
            area=self.area.name.get(lang),
            week=str(figures.week),
            dates=self.dates(figures, lang),
        )

    def dates(self, figures: WeekFigures, lang: str) -> str:
        return format_date_range(figures.week.monday, figures.week.sunday, lang)

    def totals(self, figures: WeekFigures, lang: str) -> str:
        totals = figures.totals
        values = {
            "dates": self.dates(figures, lang),
            "area": self.area.name.get(lang),
            "cases": totals.cases,
            "amount": self.amount(totals.amount, lang),
        }
        if not figures.has_previous:
            return self.t("bulletin.totals.first", lang, **values)
        return self.t(
            "bulletin.totals",
            lang,
            **values,
            case_change=self.change(totals.case_change, lang),
            amount_change=self.change(totals.amount_change, lang),
        )

    def districts(self, figures: WeekFigures, lang: str) -> str:
        if not figures.top_districts:
            sentences = [self.t("bulletin.districts.none", lang)]
        else:
            items = [
                self.t("bulletin.districts.item", lang, name=self.short(d.district, lang), cases=d.cases)
                for d in figures.top_districts
            ]
            sentences = [self.t("bulletin.districts.top", lang, districts=self.join(items, lang))]
        if figures.has_previous:
            sentences.append(self._rising(figures, lang))
            if figures.falling:
                items = [self.change_item(d, lang) for d in figures.falling]
                sentences.append(self.t("bulletin.districts.falling", lang, districts=self.join(items, lang)))
            if figures.streaks:
                sentences.append(self._streaks(figures, lang))
        return "".join(sentences) if lang == "zh" else " ".join(sentences)

    def _rising(self, figures: WeekFigures, lang: str) -> str:
        if not figures.rising:
            return self.t("bulletin.districts.rising_none", lang)
        items = [self.change_item(d, lang) for d in figures.rising]
        return self.t("bulletin.districts.rising", lang, districts=self.join(items, lang))

    def _streaks(self, figures: WeekFigures, lang: str) -> str:
        groups: dict[int, list[str]] = {}
        for district in figures.streaks:  # longest streak first
            groups.setdefault(district.decline_streak, []).append(self.short(district.district, lang))
        clauses = [
            self.t("bulletin.districts.streak", lang, districts=self.join(names, lang), weeks=weeks)
            for weeks, names in groups.items()
        ]
        return self.t("bulletin.districts.streaks", lang, streaks=self.t("bulletin.join.streaks", lang).join(clauses))

    def towns(self, figures: WeekFigures, lang: str) -> str:
        towns = figures.hot_towns
        if not towns:
            return ""
        if len(towns) > 1 and len({t.cases for t in towns}) == 1:
            items = [self.t("bulletin.towns.tied_item", lang, **self._town_names(t, lang)) for t in towns]
            return self.t("bulletin.towns.tied", lang, towns=self.join(items, lang), cases=towns[0].cases)
        items = [self.t("bulletin.towns.item", lang, **self._town_names(t, lang), cases=t.cases) for t in towns]
        return self.t("bulletin.towns", lang, towns=self.join(items, lang))

    def _town_names(self, town: TownFigure, lang: str) -> dict[str, str]:
        district = self.area.get(town.district)
        found = district.town(town.town)
        return {"district": district.short.get(lang), "town": found.get(lang) if found else town.town}

    def types(self, figures: WeekFigures, lang: str) -> str:
        if not figures.major_types:
            return ""
        items = [
            self.t(
                "bulletin.types.item",
                lang,
                title=self.catalogue.title(t.scam_type, lang),
                share=format_pct(t.share * 100),
            )
            for t in figures.major_types
        ]
        share = format_pct(figures.major_share * 100)
        if len(items) == 1:
            sentence = self.t("bulletin.types.single", lang, types=items[0], share=share)
        else:
            sentence = self.t("bulletin.types", lang, types=self.join(items, lang), count=len(items), share=share)
        falling = figures.falling_type
        if falling is not None and falling.previous is not None:
            separator = "" if lang == "zh" else " "
            sentence += separator + self.t(
                "bulletin.types.falling",
                lang,
                title=self.catalogue.title(falling.scam_type, lang),
                previous=falling.previous,
                cases=falling.cases,
            )
        return sentence

    def alert(self, figures: WeekFigures, lang: str) -> str:
        alert = figures.alert
        if alert is None:
            return ""
        lines = [
            self.t(
                "bulletin.alert",
                lang,
                title=self.catalogue.title(alert.scam_type, lang),
                pct=format_pct(alert.change.pct or 0),
                previous=alert.previous,
                cases=alert.cases,
            )
        ]
        profile = self.profile(figures, lang)
        if profile:
            lines[0] += ("" if lang == "zh" else " ") + profile
        advice = self.catalogue.advice(alert.scam_type, lang)
        if advice:
            lines.append(self.t("bulletin.alert.advice", lang, advice=advice.strip()))
        return "\n".join(lines)

    def profile(self, figures: WeekFigures, lang: str) -> str:
        assert figures.alert is not None
        profile = figures.alert.profile
        clauses: list[str] = []
        dominant = profile.dominant_gender
        if dominant is not None:
            gender, share = dominant
            clauses.append(
                self.t(
                    "bulletin.alert.gender",
                    lang,
                    gender=self.t(f"bulletin.alert.gender.{gender}", lang),
                    share=format_pct(share * 100),
                )
            )
        elif profile.known_gender:
            clauses.append(self.t("bulletin.alert.gender_even", lang))
        if profile.age_low is not None and profile.age_high is not None:
            if profile.age_low == profile.age_high:
                clauses.append(self.t("bulletin.alert.age_single", lang, low=profile.age_low))
            elif clauses:
                clauses.append(self.t("bulletin.alert.age", lang, low=profile.age_low, high=profile.age_high))
            else:
                clauses.append(self.t("bulletin.alert.age_only", lang, low=profile.age_low, high=profile.age_high))
        if not clauses:
            return ""
        return self.t("bulletin.join.clause", lang).join(clauses) + self.t("bulletin.end", lang)

    # -- a subscriber's own district -----------------------------------------------------------------

    def district_line(self, figures: WeekFigures, district_id: str, lang: str) -> str:
        figure = figures.district(district_id)
        name = self.area.get(district_id).name.get(lang)
        if figure.cases == 0 and not figure.previous:
            return self.t("bulletin.district_line.none", lang, district=name) + self.t("bulletin.end", lang)
        if figure.cases == 0:
            clauses = [self.t("bulletin.district_line.none", lang, district=name)]
        else:
            clauses = [
                self.t(
                    "bulletin.district_line",
                    lang,
                    district=name,
                    cases=figure.cases,
                    rank=figure.rank,
                    count=len(self.area.districts),
                )
            ]
        if figure.previous is not None:
            clauses.append(self.t("bulletin.district_line.change", lang, change=self.change(figure.change, lang)))
        if figure.decline_streak >= 2:
            clauses.append(self.t("bulletin.district_line.streak", lang, weeks=figure.decline_streak))
        if figure.top_town is not None:
            names = self._town_names(figure.top_town, lang)
            clauses.append(self.t("bulletin.district_line.town", lang, town=names["town"], cases=figure.top_town.cases))
        return self.t("bulletin.join.clause", lang).join(clauses) + self.t("bulletin.end", lang)

    # -- pieces ----------------------------------------------------------------------------------------

    def t(self, key: str, lang: str, **values: object) -> str:
        return self.texts.render(key, lang, **values)

    def short(self, district_id: str, lang: str) -> str:
        return self.area.get(district_id).short.get(lang)

    def change_item(self, district: DistrictFigure, lang: str) -> str:
        return self.t(
            "bulletin.districts.change_item",
            lang,
            name=self.short(district.district, lang),
            previous=district.previous,
            cases=district.cases,
        )

    def change(self, change: Change, lang: str) -> str:
        if change.previous is None or change.current == change.previous:
            return self.t("bulletin.change.same", lang)
        if change.pct is None:
            return self.t("bulletin.change.from_zero", lang)
        key = "bulletin.change.up" if change.pct > 0 else "bulletin.change.down"
        return self.t(key, lang, pct=format_pct(change.pct))

    def amount(self, yuan: float, lang: str) -> str:
        """511.5万元 / CNY 5.12 million; below the unit, whole yuan (8500元 / CNY 8,500)."""
        english = lang == "en"
        scale = _AMOUNT_SCALE["en" if english else "zh"]
        if yuan < scale:
            return self.t("bulletin.amount.small", lang, value=f"{yuan:,.0f}" if english else f"{yuan:.0f}")
        value = yuan / scale
        digits = 2 if english or value < 100 else 1  # 1.15万元, 511.5万元, CNY 5.12 million
        text = f"{value:,.{digits}f}" if english else f"{value:.{digits}f}"
        return self.t("bulletin.amount.large", lang, value=text.rstrip("0").rstrip("."))

    def join(self, items: Sequence[str], lang: str) -> str:
        if len(items) <= 1:
            return "".join(items)
        return self.t("bulletin.join.list", lang).join(items[:-1]) + self.t("bulletin.join.last", lang) + items[-1]
