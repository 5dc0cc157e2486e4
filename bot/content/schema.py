"""Pydantic models of the content files; validation errors are turned into ContentError by the loader."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.taxonomy import SCAM_TYPES

Risk = Literal["high", "medium", "low"]
Stage = Literal["before", "after", "unknown"]
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class LocalizedList(Strict):
    zh: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_length(self) -> LocalizedList:
        if len(self.zh) != len(self.en):
            raise ValueError("zh and en lists must have the same length")
        return self

    def get(self, lang: str) -> list[str]:
        return self.en if lang == "en" else self.zh


class SignalSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    weight: float = 1.0
    label: Localized
    any: list[str] = Field(default_factory=list)
    all: list[list[str]] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    prefilter: list[str] = Field(default_factory=list)

    @field_validator("any", "prefilter", mode="before")
    @classmethod
    def _numbers_are_keywords(cls, values: object) -> object:
        """A bare 12333 in YAML is a number; as a keyword it means the digits."""
        if isinstance(values, list):
            return [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in values]
        return values

    @field_validator("any", "prefilter")
    @classmethod
    def _keywords_not_blank(cls, values: list[str]) -> list[str]:
        if any(not str(v).strip() for v in values):
            raise ValueError("keywords must not be empty")
        return [str(v) for v in values]

    @field_validator("all")
    @classmethod
    def _groups_not_empty(cls, groups: list[list[str]]) -> list[list[str]]:
        if any(not group or any(not str(v).strip() for v in group) for group in groups):
            raise ValueError("every group of 'all' needs at least one non-empty keyword")
        return [[str(v) for v in group] for group in groups]

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _has_a_matcher(self) -> SignalSpec:
        if not (self.any or self.all or self.regex):
            raise ValueError("a signal needs 'any', 'all' or 'regex'")
        return self


class Example(Strict):
    text: str = Field(min_length=1)
    risk: Risk | None = None
    stage: Stage | None = None


class Examples(Strict):
    positive: list[Example] = Field(min_length=12)
    negative: list[Example] = Field(min_length=5)

    @field_validator("positive", "negative", mode="before")
    @classmethod
    def _plain_strings(cls, items: object) -> object:
        if isinstance(items, list):
            return [{"text": item} if isinstance(item, str) else item for item in items]
        return items


class Advice(Strict):
    now: Localized
    after: Localized


class RuleSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: Localized
    signals: list[SignalSpec] = Field(min_length=1)
    requires_any: list[str] = Field(default_factory=list)
    min_score: float | None = None
    explanation: Localized
    advice: Advice
    sources: list[str] = Field(default_factory=list)
    examples: Examples

    @model_validator(mode="after")
    def _signal_ids(self) -> RuleSpec:
        ids = [s.id for s in self.signals]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate signal ids: {sorted(duplicates)}")
        unknown = set(self.requires_any) - set(ids)
        if unknown:
            raise ValueError(f"requires_any names unknown signals: {sorted(unknown)}")
        return self


class ScamTypeFile(Strict):
    scam_type: str
    title: Localized
    signs: LocalizedList
    advice: Localized
    rules: list[RuleSpec] = Field(min_length=1)

    @field_validator("scam_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in SCAM_TYPES:
            raise ValueError(f"unknown scam type {value!r}; expected one of {', '.join(SCAM_TYPES)}")
        return value


class Thresholds(Strict):
    high: float = 7
    medium: float = 3
    type_min_score: float = 3
    generic_only_max_risk: Risk = "medium"
    generic_min_evidence: float = 2
    large_amount: float = 10000


ENTITY_SIGNAL_IDS = (
    "link_lookalike",
    "link_shortener",
    "link_ip",
    "link_unknown",
    "link_official",
    "remote_control_app",
    "overseas_number",
    "mobile_claims_official",
)


class EntitySignal(Strict):
    weight: float
    label: Localized


class SignalsFile(Strict):
    decision: Thresholds = Field(default_factory=Thresholds)
    entity: dict[str, EntitySignal] = Field(default_factory=dict)
    homophones: dict[str, list[str]] = Field(default_factory=dict)
    negators: list[str] = Field(default_factory=list)
    stage_negators: list[str] = Field(default_factory=list)
    negation_exceptions: list[str] = Field(default_factory=list)
    stage_clause_negators: list[str] = Field(default_factory=list)
    generic: list[SignalSpec] = Field(default_factory=list)
    benign: list[SignalSpec] = Field(default_factory=list)
    stage_after: list[SignalSpec] = Field(default_factory=list)
    stage_before: list[SignalSpec] = Field(default_factory=list)

    @field_validator("entity")
    @classmethod
    def _all_entity_signals(cls, value: dict[str, EntitySignal]) -> dict[str, EntitySignal]:
        missing = [key for key in ENTITY_SIGNAL_IDS if key not in value]
        unknown = [key for key in value if key not in ENTITY_SIGNAL_IDS]
        if missing or unknown:
            expected = list(ENTITY_SIGNAL_IDS)
            raise ValueError(f"entity signals: missing {missing}, unknown {unknown}; expected {expected}")
        return value


class ShortCode(Strict):
    number: str = Field(pattern=r"^\d{3,6}$")
    name: Localized
    kind: Literal["emergency", "bank", "carrier", "government", "platform"]
    domains: list[str] = Field(default_factory=list)


class OfficialDomain(Strict):
    domain: str = Field(pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")
    name: Localized


class AppSpec(Strict):
    name: str
    aliases: list[str] = Field(default_factory=list)
    kind: Literal["remote_control", "meeting", "chat", "payment", "official", "shopping", "finance"]


class OfficialFile(Strict):
    short_codes: list[ShortCode] = Field(min_length=1)
    domains: list[OfficialDomain] = Field(min_length=1)
    brands: list[str] = Field(default_factory=list)
    shorteners: list[str] = Field(default_factory=list)
    apps: list[AppSpec] = Field(default_factory=list)
