"""An area of the bulletin (Ningbo, Zhoushan…): districts, their towns, names, time zone and boundaries.

Area files live in `content/areas/<area>.yaml`; errors name the file, the line and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, ValidationError, field_validator

from bot.content.errors import ContentError
from bot.content.schema import ID_PATTERN, Localized, Strict
from bot.content.yamlfile import read_yaml
from bot.paths import DEFAULT_CONTENT_DIR

DEFAULT_AREA = "ningbo"
_Strict = Strict
Names = Localized  # a Chinese and an English name, as everywhere in the content


class Town(Names):
    """A town, township or subdistrict (镇/乡/街道); its Chinese name is its key within the district."""


class District(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    code: str = Field(pattern=r"^\d{6}$", description="administrative division code of the boundary")
    name: Names
    short: Names
    towns: tuple[Town, ...] = Field(min_length=1)
    label_at: tuple[float, float] | None = Field(default=None, description="map label position (lon, lat)")

    def lookup_keys(self) -> tuple[str, ...]:
        """Every spelling an export may use for this district: id, code, Chinese and English names."""
        return (self.id, self.code, self.name.zh, self.short.zh, self.name.en.casefold(), self.short.en.casefold())

    def town(self, name: str) -> Town | None:
        """The town called `name` in Chinese or English (case-insensitive for English)."""
        folded = name.strip().casefold()
        for town in self.towns:
            if folded in (town.zh.casefold(), town.en.casefold()):
                return town
        return None


class AreaModel(_Strict):
    area: str = Field(pattern=ID_PATTERN)
    name: Names
    timezone: str
    boundaries: str = Field(min_length=1, description="GeoJSON file beside the area file")
    districts: tuple[District, ...] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


@dataclass(frozen=True)
class Area:
    """A validated area; `districts` keep the file's order, which is also the tie-break order."""

    file: Path
    model: AreaModel

    @property
    def id(self) -> str:
        return self.model.area

    @property
    def name(self) -> Names:
        return self.model.name

    @property
    def districts(self) -> tuple[District, ...]:
        return self.model.districts

    @cached_property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.model.timezone)

    @property
    def boundaries_path(self) -> Path:
        return self.file.parent / self.model.boundaries

    @cached_property
    def _by_key(self) -> dict[str, District]:
        keys: dict[str, District] = {}
        for district in self.districts:
            for key in district.lookup_keys():
                keys[key] = district
        return keys

    def district(self, key: str) -> District | None:
        """The district named by its id, code, or Chinese/English full or short name."""
        key = key.strip()
        return self._by_key.get(key) or self._by_key.get(key.casefold())

    def get(self, district_id: str) -> District:
        for district in self.districts:
            if district.id == district_id:
                return district
        raise KeyError(district_id)

    def order(self, district_id: str) -> int:
        return next(i for i, d in enumerate(self.districts) if d.id == district_id)


def area_file(area_id: str, content_dir: Path = DEFAULT_CONTENT_DIR) -> Path:
    return content_dir / "areas" / f"{area_id}.yaml"


def load_area(area_id: str = DEFAULT_AREA, content_dir: Path = DEFAULT_CONTENT_DIR) -> Area:
    """Load `content/areas/<area_id>.yaml`; raises ContentError for a missing or invalid file."""
    path = area_file(area_id, content_dir)
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml"))) or "none"
        raise ContentError(path, f"no area called {area_id!r} (known areas: {known})")
    area = load_area_file(path)
    if area.id != area_id:
        raise ContentError(
            path,
            f"the file names area {area.id!r}, expected {area_id!r}",
            field="area",
            line=_LineFinder(path).line(("area",)),
        )
    return area


def load_area_file(path: Path) -> Area:
    data = read_yaml(path)
    lines = _LineFinder(path)
    if not isinstance(data, dict):
        raise ContentError(path, "expected a mapping with area, name, timezone, boundaries, districts")
    try:
        model = AreaModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise ContentError(path, first["msg"], field=_dotted(loc), line=lines.line(loc)) from None
    _check_unique(path, lines, model)
    return Area(path, model)


def _check_unique(path: Path, lines: _LineFinder, model: AreaModel) -> None:
    seen: dict[str, str] = {}
    for i, district in enumerate(model.districts):
        for key in set(district.lookup_keys()):
            if key in seen and seen[key] != district.id:
                loc = ("districts", i, "id")
                raise ContentError(
                    path,
                    f"{key!r} also names district {seen[key]!r}",
                    field=_dotted(loc),
                    line=lines.line(loc),
                )
            seen[key] = district.id
        town_names: set[tuple[str, str]] = set()
        for j, town in enumerate(district.towns):
            for lang, name in (("zh", town.zh), ("en", town.en.casefold())):
                if (lang, name) in town_names:
                    loc = ("districts", i, "towns", j, lang)
                    raise ContentError(
                        path,
                        f"town {name!r} is listed twice in {district.id}",
                        field=_dotted(loc),
                        line=lines.line(loc),
                    )
                town_names.add((lang, name))


def _dotted(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _LineFinder:
    """Maps a field path such as ('districts', 3, 'towns', 0, 'en') to its line in the YAML file."""

    def __init__(self, path: Path) -> None:
        try:
            self._root = yaml.compose(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            self._root = None

    def line(self, loc: Iterable[Any]) -> int | None:
        node = self._root
        found = node
        for part in loc:
            node = _child(node, part)
            if node is None:
                break
            found = node
        return found.start_mark.line + 1 if found is not None else None


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None
