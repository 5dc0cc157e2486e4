"""Load and validate the whole content base; any problem is a ContentError naming file, rule and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.errors import ContentError
from bot.content.schema import OfficialFile, RuleSpec, ScamTypeFile, SignalsFile
from bot.content.texts import Texts, load_texts
from bot.content.yamlfile import read_yaml
from bot.paths import DEFAULT_CONTENT_DIR
from bot.taxonomy import SCAM_TYPES


@dataclass(frozen=True)
class RuleEntry:
    rule: RuleSpec
    scam_type: str
    file: Path


@dataclass(frozen=True)
class ContentBase:
    directory: Path
    scam_types: dict[str, ScamTypeFile]
    rules: tuple[RuleEntry, ...]
    signals: SignalsFile
    official: OfficialFile
    texts: Texts
    files: dict[str, Path] = field(default_factory=dict)

    def rule(self, rule_id: str) -> RuleEntry:
        for entry in self.rules:
            if entry.rule.id == rule_id:
                return entry
        raise KeyError(rule_id)


def _rule_id_at(data: Any, loc: tuple[Any, ...]) -> str | None:
    """The id of the rule a validation error points into (loc like ('rules', 2, 'signals', 0, 'weight'))."""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and isinstance(data, dict):
        rules = data.get("rules")
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            return str(rules[loc[1]].get("id") or f"#{loc[1] + 1}")
    return None


def _field_path(loc: tuple[Any, ...]) -> str:
    skip = 2 if len(loc) >= 2 and loc[0] == "rules" else 0
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in loc[skip:]]
    return ".".join(parts).replace(".[", "[") or "(top level)"


M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], path: Path, data: Any) -> M:
    """Validate `data` against `model`; the first error becomes a ContentError with rule and field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first.get("loc", ()))
        message = first.get("msg", "invalid value")
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''} in this file)"
        raise ContentError(path, message, rule=_rule_id_at(data, loc), field=_field_path(loc)) from None


def _load_rule_files(directory: Path) -> dict[str, tuple[ScamTypeFile, Path]]:
    files = sorted((directory / "rules").glob("*.yaml"))
    if not files:
        raise ContentError(directory / "rules", "no rule files found")
    loaded: dict[str, tuple[ScamTypeFile, Path]] = {}
    for path in files:
        parsed = parse_model(ScamTypeFile, path, read_yaml(path))
        if parsed.scam_type in loaded:
            raise ContentError(path, f"scam type {parsed.scam_type} is already defined in "
                               f"{loaded[parsed.scam_type][1].name}", field="scam_type")
        loaded[parsed.scam_type] = (parsed, path)
    return loaded


def _check_unique_rule_ids(rule_files: dict[str, tuple[ScamTypeFile, Path]]) -> tuple[RuleEntry, ...]:
    seen: dict[str, Path] = {}
    entries = []
    for scam_type, (parsed, path) in rule_files.items():
        for rule in parsed.rules:
            if rule.id in seen:
                raise ContentError(path, f"rule id also used in {seen[rule.id].name}", rule=rule.id, field="id")
            seen[rule.id] = path
            entries.append(RuleEntry(rule, scam_type, path))
    return tuple(entries)


def load_content(directory: Path | str | None = None, *, require_all_types: bool = True) -> ContentBase:
    """Read and validate every content file under `directory` (default: the shipped content/)."""
    root = Path(directory) if directory else DEFAULT_CONTENT_DIR
    if not root.is_dir():
        raise ContentError(root, "content folder not found")
    rule_files = _load_rule_files(root)
    if require_all_types:
        missing = [t for t in SCAM_TYPES if t not in rule_files]
        if missing:
            raise ContentError(root / "rules", f"no rule file for scam types: {', '.join(missing)}")
    signals_path = root / "signals.yaml"
    official_path = root / "official.yaml"
    return ContentBase(
        directory=root,
        scam_types={t: parsed for t, (parsed, _) in rule_files.items()},
        rules=_check_unique_rule_ids(rule_files),
        signals=parse_model(SignalsFile, signals_path, read_yaml(signals_path)),
        official=parse_model(OfficialFile, official_path, read_yaml(official_path)),
        texts=load_texts(root / "texts"),
        files={t: path for t, (_, path) in rule_files.items()},
    )
