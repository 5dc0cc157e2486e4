"""Scam-type titles and advice for the bulletin, taken from the rule base (content/rules/*.yaml)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.taxonomy import SCAM_TYPES


@dataclass(frozen=True)
class Bilingual:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class ScamTypeText:
    title: Bilingual
    advice: Bilingual


class TypeCatalogue(Mapping[str, ScamTypeText]):
    """Scam types by taxonomy id, in taxonomy order (also the last tie-break when ranking types)."""

    def __init__(self, types: Mapping[str, ScamTypeText]) -> None:
        self._types = dict(types)

    def __getitem__(self, type_id: str) -> ScamTypeText:
        return self._types[type_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def title(self, type_id: str, lang: str) -> str:
        entry = self._types.get(type_id)
        return entry.title.get(lang) if entry else type_id

    def advice(self, type_id: str, lang: str) -> str | None:
        entry = self._types.get(type_id)
        return entry.advice.get(lang) if entry else None


def catalogue_from_base(base: Any) -> TypeCatalogue:
    """The one place that reads the rule base: `base.scam_types[id].title/.advice` with `.zh`/`.en`."""
    order = {type_id: i for i, type_id in enumerate(SCAM_TYPES)}
    ids = sorted(base.scam_types, key=lambda type_id: order.get(type_id, len(order)))
    return TypeCatalogue(
        {
            type_id: ScamTypeText(Bilingual(info.title.zh, info.title.en), Bilingual(info.advice.zh, info.advice.en))
            for type_id, info in ((t, base.scam_types[t]) for t in ids)
        }
    )
