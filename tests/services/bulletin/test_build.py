"""Building a week's bulletin from the database or a file, storing the draft, writing the outputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.content.texts import Texts
from bot.services.bulletin.area import Area
from bot.services.bulletin.build import (
    BulletinInputError,
    BulletinMaker,
    save_draft,
    subscriber_text,
    write_outputs,
)
from bot.services.bulletin.types import TypeCatalogue
from bot.storage import bulletins
from bot.storage.bulletins import BulletinAlreadyPublished
from bot.storage.cases import import_cases
from bot.storage.db import Database
from tests.services.bulletin.conftest import case
from tests.services.bulletin.handmade import W20, W23, history

TODAY = date(2026, 7, 1)


@pytest.fixture
def maker(testland: Area, catalogue: TypeCatalogue, bulletin_texts: Texts) -> BulletinMaker:
    return BulletinMaker.for_area(testland, catalogue, bulletin_texts)


async def test_build_from_the_database_matches_the_hand_figures(db: Database, maker: BulletinMaker) -> None:
    await import_cases(db, history(), area="testland", file_name="history.csv")
    draft = await maker.build_from_db(db, W23, today=TODAY)
    assert (draft.figures.totals.cases, draft.figures.totals.previous_cases) == (10, 12)
    assert draft.figures.district("a").decline_streak == 3
    assert "案件10起" in draft.text.text["zh"]
    assert draft.map_png.startswith(b"\x89PNG") and draft.trend_png.startswith(b"\x89PNG")


async def test_the_first_week_in_the_database_has_no_previous_week(db: Database, maker: BulletinMaker) -> None:
    await import_cases(db, history(), area="testland", file_name="history.csv")
    draft = await maker.build_from_db(db, W20, today=TODAY)
    assert not draft.figures.has_previous


async def test_weeks_that_cannot_be_built_say_why(db: Database, maker: BulletinMaker) -> None:
    with pytest.raises(BulletinInputError, match="no cases imported for testland"):
        await maker.build_from_db(db, W23, today=TODAY)
    await import_cases(db, history(), area="testland", file_name="history.csv")
    with pytest.raises(BulletinInputError, match="has not ended yet"):
        await maker.build_from_db(db, W23, today=date(2026, 6, 7))  # Sunday of W23
    with pytest.raises(BulletinInputError, match="before the first case on record"):
        await maker.build_from_db(db, W20.shift(-1), today=TODAY)
    with pytest.raises(BulletinInputError, match="no cases on record for week 2026-W24 or later"):
        await maker.build_from_db(db, W23.shift(1), today=TODAY)  # after the data: not imported yet?


async def test_an_empty_week_between_cases_is_built(db: Database, maker: BulletinMaker) -> None:
    later = case("later", W23.shift(2).monday, "a")
    await import_cases(db, [*history(), later], area="testland", file_name="history.csv")
    draft = await maker.build_from_db(db, W23.shift(1), today=TODAY)
    assert (draft.figures.totals.cases, draft.figures.totals.previous_cases) == (0, 10)


def test_build_from_cases_in_memory(maker: BulletinMaker) -> None:
    draft = maker.build_from_cases(history(), W23, today=TODAY)
    assert draft.figures.totals.cases == 10


async def test_a_draft_is_replaced_until_it_is_published(db: Database, maker: BulletinMaker) -> None:
    draft = maker.build_from_cases(history(), W23, today=TODAY)
    first = await save_draft(db, draft, created_by=7)
    assert await save_draft(db, draft, created_by=8) == first
    stored = await bulletins.get_bulletin(db, first)
    assert stored.created_by == 8 and stored.map_png == draft.map_png
    assert stored.district_lines["a"]["zh"] == draft.text.district_lines["a"]["zh"]
    assert await bulletins.mark_published(db, first, published_by=8)
    with pytest.raises(BulletinAlreadyPublished):
        await save_draft(db, draft)


def test_outputs_are_the_four_files(tmp_path: Path, maker: BulletinMaker) -> None:
    draft = maker.build_from_cases(history(), W23, today=TODAY)
    files = write_outputs(draft, tmp_path / "out")
    assert [f.name for f in files] == ["bulletin_zh.txt", "bulletin_en.txt", "map.png", "trend.png"]
    assert (tmp_path / "out" / "bulletin_zh.txt").read_text(encoding="utf-8").startswith("【测试市反诈地图】")


async def test_subscribers_read_their_own_districts_first(db: Database, maker: BulletinMaker,
                                                         testland: Area) -> None:
    draft = maker.build_from_cases(history(), W23, today=TODAY)
    stored = await bulletins.get_bulletin(db, await save_draft(db, draft))
    text = subscriber_text(stored, ("c", "a"), "zh", testland)
    first, second, rest = text.split("\n", 2)
    assert first.startswith("【甲区】") and second.startswith("【丙县】")  # in the area's order
    assert rest.lstrip("\n") == stored.text_zh
    assert subscriber_text(stored, (), "en", testland) == stored.text_en


def test_the_shipped_rule_base_names_the_types_and_gives_the_advice(content, ningbo: Area) -> None:
    from bot.services.bulletin.demo import generate_demo_cases
    from bot.services.bulletin.types import catalogue_from_base
    from bot.services.bulletin.week import IsoWeek

    catalogue = catalogue_from_base(content)
    assert list(catalogue)[:2] == ["impersonate_police", "fake_customer_service"]  # taxonomy order
    maker = BulletinMaker.for_area(ningbo, catalogue, content.texts)
    week = IsoWeek(2026, 24)  # the run-up to 618
    draft = maker.build_from_cases(generate_demo_cases(ningbo, week, weeks=6, seed=11), week, today=TODAY)
    alert = draft.figures.alert
    assert alert is not None
    zh = draft.text.text["zh"]
    assert f"特别提醒：{catalogue.title(alert.scam_type, 'zh')}案件上升最快" in zh
    assert catalogue.advice(alert.scam_type, "zh").strip() in zh
    assert catalogue.advice(alert.scam_type, "en").strip() in draft.text.text["en"]
