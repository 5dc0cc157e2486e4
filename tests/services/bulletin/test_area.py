"""Area files: the shipped Ningbo and Zhoushan areas, and errors that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.errors import ContentError
from bot.services.bulletin.area import Area, load_area, load_area_file
from tests.services.bulletin.conftest import TESTLAND_YAML

NINGBO_CODES = {"330203", "330205", "330206", "330211", "330212", "330213", "330225", "330226", "330281", "330282"}


def test_ningbo_has_its_ten_districts_with_towns(ningbo: Area) -> None:
    assert ningbo.id == "ningbo" and ningbo.name.zh == "宁波"
    assert {d.code for d in ningbo.districts} == NINGBO_CODES
    assert {d.short.zh for d in ningbo.districts} == {"海曙", "江北", "北仑", "镇海", "鄞州", "奉化", "象山", "宁海",
                                                        "余姚", "慈溪"}
    assert all(len(d.towns) >= 7 for d in ningbo.districts)
    assert str(ningbo.tz) == "Asia/Shanghai"


def test_the_seed_bulletins_hot_towns_are_known(ningbo: Area) -> None:
    assert ningbo.district("慈溪").town("周巷镇") is not None
    assert ningbo.district("北仑区").town("新碶街道").en == "Xinqi Subdistrict"


def test_zhoushan_is_just_another_area_file() -> None:
    zhoushan = load_area("zhoushan")
    assert [d.short.zh for d in zhoushan.districts] == ["定海", "普陀", "岱山", "嵊泗"]
    assert zhoushan.boundaries_path.name == "zhoushan_boundaries.geojson"


def test_districts_are_found_by_id_code_and_names(ningbo: Area) -> None:
    for key in ("cixi", "330282", "慈溪市", "慈溪", "Cixi City", "cixi city", " Cixi "):
        assert ningbo.district(key).id == "cixi"
    assert ningbo.district("杭州") is None


def test_towns_are_found_by_chinese_or_english_name(ningbo: Area) -> None:
    haishu = ningbo.get("haishu")
    assert haishu.town("gulou subdistrict").zh == "鼓楼街道"
    assert haishu.town("周巷镇") is None


def test_unknown_area_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"no area called 'hangzhou' \(known areas: .*ningbo"):
        load_area("hangzhou")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unknown_time_zone_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, TESTLAND_YAML.replace("Asia/Shanghai", "Asia/Ningbo"))
    with pytest.raises(ContentError) as error:
        load_area_file(path)
    assert (error.value.line, error.value.field) == (3, "timezone")
    assert "Asia/Ningbo" in str(error.value) and "bad.yaml:3" in str(error.value)


def test_a_missing_english_town_name_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, TESTLAND_YAML.replace("{zh: 乙二镇, en: Yi Two}", "{zh: 乙二镇}"))
    with pytest.raises(ContentError) as error:
        load_area_file(path)
    assert error.value.field == "districts[1].towns[1].en"
    assert error.value.line == 19  # the town's line (the field itself is absent)


def test_a_town_listed_twice_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, TESTLAND_YAML.replace("{zh: 甲二镇, en: Jia Two}", "{zh: 甲一街道, en: Jia Two}"))
    with pytest.raises(ContentError, match="listed twice") as error:
        load_area_file(path)
    assert (error.value.field, error.value.line) == ("districts[0].towns[1].zh", 12)


def test_two_districts_with_one_name_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, TESTLAND_YAML.replace("short: {zh: 乙, en: Yi}", "short: {zh: 甲, en: Yi}"))
    with pytest.raises(ContentError, match="also names district 'a'") as error:
        load_area_file(path)
    assert error.value.field == "districts[1].id"


def test_unknown_keys_and_bad_codes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as error:
        load_area_file(_write(tmp_path, TESTLAND_YAML.replace("timezone:", "colour: red\ntimezone:")))
    assert error.value.field == "colour"
    with pytest.raises(ContentError) as error:
        load_area_file(_write(tmp_path, TESTLAND_YAML.replace('"990103"', '"99-01"')))
    assert error.value.field == "districts[2].code"


def test_yaml_syntax_errors_carry_the_line(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as error:
        load_area_file(_write(tmp_path, TESTLAND_YAML.replace("name: {zh: 测试市, en: Testland}", "name: {zh: [")))
    assert error.value.line is not None
