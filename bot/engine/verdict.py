"""What the engine decides about one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Risk = Literal["high", "medium", "low"]
Stage = Literal["before", "after", "unknown"]
Priority = Literal["urgent", "high", "normal"]
SignalKind = Literal["rule", "generic", "benign", "stage_after", "stage_before", "entity"]

RISK_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class SignalHit:
    """One matched signal, with the user's own words that triggered it."""

    id: str
    kind: SignalKind
    weight: float
    label_zh: str
    label_en: str
    quote: str
    span: tuple[int, int]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True)
class Link:
    url: str
    domain: str
    verdict: Literal["official", "lookalike", "shortener", "ip", "unknown"]
    reasons: tuple[str, ...] = ()
    official_name: str | None = None


@dataclass(frozen=True)
class Phone:
    number: str
    kind: Literal["short_code", "mobile", "landline", "overseas", "emergency"]
    official_name: str | None = None


@dataclass(frozen=True)
class Entities:
    links: tuple[Link, ...] = ()
    phones: tuple[Phone, ...] = ()
    cards: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    amounts: tuple[float, ...] = ()
    apps: tuple[str, ...] = ()

    @property
    def max_amount(self) -> float | None:
        return max(self.amounts) if self.amounts else None


@dataclass(frozen=True)
class Verdict:
    risk: Risk
    scam_type: str | None
    rule_id: str | None
    score: float
    stage: Stage
    escalate: bool
    priority: Priority | None
    hits: tuple[SignalHit, ...] = ()
    entities: Entities = field(default_factory=Entities)
    normalised_text: str = ""
    truncated: bool = False

    @property
    def signals(self) -> list[str]:
        return [hit.id for hit in self.hits]

    @property
    def amount(self) -> float | None:
        return self.entities.max_amount

    @property
    def stage_after(self) -> bool:
        return self.stage == "after"
