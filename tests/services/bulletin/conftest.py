"""Fixtures for the bulletin: a tiny hand-made area, its texts, a scam-type catalogue and case builders."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.content.texts import Texts, load_texts
from bot.paths import DEFAULT_CONTENT_DIR
from bot.services.bulletin.area import Area, load_area, load_area_file
from bot.services.bulletin.types import Bilingual, ScamTypeText, TypeCatalogue
from bot.storage.cases import Case
from bot.taxonomy import SCAM_TYPES

TESTLAND_YAML = """\
area: testland
name: {zh: 测试市, en: Testland}
timezone: Asia/Shanghai
boundaries: testland_boundaries.geojson
districts:
  - id: a
    code: "990101"
    name: {zh: 甲区, en: Jia District}
    short: {zh: 甲, en: Jia}
    towns:
      - {zh: 甲一街道, en: Jia One}
      - {zh: 甲二镇, en: Jia Two}
  - id: b
    code: "990102"
    name: {zh: 乙区, en: Yi District}
    short: {zh: 乙, en: Yi}
    towns:
      - {zh: 乙一街道, en: Yi One}
      - {zh: 乙二镇, en: Yi Two}
  - id: c
    code: "990103"
    name: {zh: 丙县, en: Bing County}
    short: {zh: 丙, en: Bing}
    towns:
      - {zh: 丙一镇, en: Bing One}
      - {zh: 丙二乡, en: Bing Two}
  - id: d
    code: "990104"
    name: {zh: 丁市, en: Ding City}
    short: {zh: 丁, en: Ding}
    towns:
      - {zh: 丁一街道, en: Ding One}
"""

# Four squares side by side, one per district, in the shape `extract-area` writes.
TESTLAND_GEOJSON = json.dumps({
    "type": "FeatureCollection",
    "metadata": {"attribution_short": "test boundaries"},
    "features": [
        {"type": "Feature", "properties": {"district": d},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 30], [x + 1, 30], [x + 1, 30.8], [x, 30.8], [x, 30]]]}}
        for d, x in (("a", 120), ("b", 121), ("c", 122), ("d", 123))
    ],
})

TITLES = {
    "impersonate_police": ("冒充公检法诈骗", "police impersonation"),
    "fake_customer_service": ("冒充客服诈骗", "fake customer service"),
    "bank_sms_phishing": ("短信钓鱼诈骗", "bank SMS phishing"),
    "investment": ("虚假投资理财诈骗", "fake investment"),
    "task_rebate": ("刷单返利诈骗", "order-brushing rebates"),
    "fake_loan": ("虚假网络贷款诈骗", "fake online loans"),
    "fake_credit": ("虚假征信诈骗", "fake credit repair"),
    "impersonate_acquaintance": ("冒充领导熟人诈骗", "impersonating a boss or friend"),
    "romance": ("网络婚恋交友诈骗", "online romance"),
    "game_trade": ("网络游戏虚假交易诈骗", "fake game trades"),
    "fake_shopping_service": ("虚假购物服务诈骗", "fake shopping and services"),
}


@pytest.fixture
def testland(tmp_path: Path) -> Area:
    folder = tmp_path / "content" / "areas"
    folder.mkdir(parents=True)
    (folder / "testland.yaml").write_text(TESTLAND_YAML, encoding="utf-8")
    (folder / "testland_boundaries.geojson").write_text(TESTLAND_GEOJSON, encoding="utf-8")
    return load_area_file(folder / "testland.yaml")


@pytest.fixture(scope="session")
def ningbo() -> Area:
    return load_area("ningbo")


def load_bulletin_texts(folder: Path) -> Texts:
    """Only the bulletin's texts, so these tests do not depend on the rest of the content."""
    shutil.copy(DEFAULT_CONTENT_DIR / "texts" / "bulletin.yaml", folder)
    return load_texts(folder)


@pytest.fixture(scope="session")
def bulletin_texts(tmp_path_factory: pytest.TempPathFactory) -> Texts:
    return load_bulletin_texts(tmp_path_factory.mktemp("texts"))


@pytest.fixture(scope="session")
def catalogue() -> TypeCatalogue:
    return TypeCatalogue({
        type_id: ScamTypeText(
            Bilingual(*TITLES[type_id]),
            Bilingual(f"{TITLES[type_id][0]}的防范建议。", f"Advice on {TITLES[type_id][1]}."),
        )
        for type_id in SCAM_TYPES
    })


def case(case_id: str, day: date, district: str, town: str | None = None, scam_type: str = "investment",
         amount: float = 100.0, gender: str | None = None, age: int | None = None) -> Case:
    return Case(case_id, day, district, town, scam_type, amount, gender, age)
