"""Turn matched signals and entities into a verdict: risk, scam type, stage, escalation."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from bot.content.loader import ContentBase
from bot.content.schema import SignalSpec, Thresholds
from bot.engine.extract import OfficialDirectory, extract
from bot.engine.match import CompiledSignal, Match, Matcher
from bot.engine.normalise import Normalised, Normaliser
from bot.engine.verdict import RISK_ORDER, Entities, Priority, Risk, SignalHit, SignalKind, Stage, Verdict

QUOTE_LIMIT = 36
GENERIC_KINDS = ("generic", "entity", "stage_after")
_CLAUSE_BREAKS = set("。！？!?；;\n，,：:")


@dataclass(frozen=True)
class RuleInfo:
    rule_id: str
    scam_type: str
    min_score: float
    requires_any: frozenset[str]
    order: int


def quote_around(normalised: Normalised, span: tuple[int, int]) -> str:
    """The user's own words around a match: the clause that holds it, clipped to a phone-friendly length."""
    original = normalised.original
    start, end = normalised.source_span(*span)
    left = start
    while left > 0 and original[left - 1] not in _CLAUSE_BREAKS and start - left < QUOTE_LIMIT // 2:
        left -= 1
    right = end
    while right < len(original) and original[right] not in _CLAUSE_BREAKS and right - left < QUOTE_LIMIT:
        right += 1
    snippet = " ".join(original[left:right].split())
    prefix = "…" if left > 0 and original[left - 1] not in _CLAUSE_BREAKS else ""
    suffix = "…" if right < len(original) and original[right] not in _CLAUSE_BREAKS else ""
    return f"{prefix}{snippet}{suffix}"


class Engine:
    """Normalise → extract → match → decide, pure and synchronous; built once from the content base."""

    def __init__(self, content: ContentBase) -> None:
        self.content = content
        self.thresholds: Thresholds = content.signals.decision
        self.normaliser = Normaliser(content.signals.homophones)
        self.directory = _directory(content)
        self.rules: dict[str, RuleInfo] = {}
        signals: list[CompiledSignal] = []
        for order, entry in enumerate(content.rules):
            rule = entry.rule
            self.rules[rule.id] = RuleInfo(
                rule.id, entry.scam_type,
                rule.min_score if rule.min_score is not None else self.thresholds.type_min_score,
                frozenset(f"{rule.id}.{s}" for s in rule.requires_any), order,
            )
            signals.extend(self._compile(s, "rule", rule.id) for s in rule.signals)
        sections: list[tuple[SignalKind, list[SignalSpec]]] = [
            ("generic", content.signals.generic), ("benign", content.signals.benign),
            ("stage_after", content.signals.stage_after), ("stage_before", content.signals.stage_before),
        ]
        for kind, specs in sections:
            signals.extend(self._compile(s, kind, None) for s in specs)
        self.matcher = Matcher(signals, list(self._words(content.signals.negators)),
                               list(self._words(content.signals.stage_negators)),
                               list(self._words(content.signals.negation_exceptions)),
                               list(self._words(content.signals.stage_clause_negators)))

    def _words(self, words: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for w in (self.normaliser.keyword(word) for word in words) if w))

    def _compile(self, spec: SignalSpec, kind: SignalKind, rule_id: str | None) -> CompiledSignal:
        return CompiledSignal(
            key=f"{rule_id}.{spec.id}" if rule_id else spec.id,
            kind=kind,
            weight=spec.weight,
            label_zh=spec.label.zh,
            label_en=spec.label.en,
            rule_id=rule_id,
            any_words=self._words(spec.any),
            all_groups=tuple(self._words(group) for group in spec.all),
            regexes=tuple(re.compile(p) for p in spec.regex),
            prefilter=self._words(spec.prefilter),
            negatable=kind in ("stage_after", "generic", "rule"),
        )

    def assess(self, text: str) -> Verdict:
        normalised = self.normaliser(text or "")
        entities = extract(normalised.text, self.directory)
        matches = self.matcher.find(normalised.text)
        hits = [self._hit(m, normalised) for m in matches]
        hits.extend(self._entity_hits(entities, matches, normalised))
        return self._decide(hits, entities, normalised)

    def _hit(self, match: Match, normalised: Normalised) -> SignalHit:
        signal = match.signal
        return SignalHit(signal.key, signal.kind, signal.weight, signal.label_zh, signal.label_en,
                         quote_around(normalised, match.span), match.span)

    def _entity_hits(self, entities: Entities, matches: list[Match], normalised: Normalised) -> list[SignalHit]:
        found: list[tuple[str, str]] = []
        for link in entities.links:
            found.append((f"link_{link.verdict}", link.url))
        kinds = {self.directory.app_kinds.get(app) for app in entities.apps}
        if "remote_control" in kinds:
            found.append(("remote_control_app", next(a for a in entities.apps
                                                     if self.directory.app_kinds.get(a) == "remote_control")))
        overseas = [p.number for p in entities.phones if p.kind == "overseas"]
        if overseas:
            found.append(("overseas_number", overseas[0]))
        claims_authority = any(m.signal.key == "claims_authority" for m in matches)
        mobiles = [p.number for p in entities.phones if p.kind == "mobile"]
        if claims_authority and mobiles:
            found.append(("mobile_claims_official", mobiles[0]))
        hits = []
        for signal_id, value in dict(found).items():
            spec = self.content.signals.entity[signal_id]
            position = normalised.text.find(value.lower())
            span = (position, position + len(value)) if position >= 0 else (0, 0)
            hits.append(SignalHit(signal_id, "entity", spec.weight, spec.label.zh, spec.label.en, value, span))
        return hits

    def _best_rule(self, hits: list[SignalHit]) -> tuple[RuleInfo | None, float]:
        per_rule: dict[str, float] = defaultdict(float)
        matched: dict[str, set[str]] = defaultdict(set)
        for hit in hits:
            if hit.kind == "rule":
                rule_id = hit.id.split(".", 1)[0]
                per_rule[rule_id] += hit.weight
                matched[rule_id].add(hit.id)
        best: RuleInfo | None = None
        best_score = 0.0
        for rule_id, score in per_rule.items():
            info = self.rules[rule_id]
            if info.requires_any and not info.requires_any & matched[rule_id]:
                continue
            if self._better(info, score, best, best_score):
                best, best_score = info, score
        return best, best_score

    @staticmethod
    def _better(info: RuleInfo, score: float, best: RuleInfo | None, best_score: float) -> bool:
        """A rule that reaches its own min_score beats one that does not; then the higher score, then file order."""
        if best is None:
            return score > 0
        reaches, best_reaches = score >= info.min_score, best_score >= best.min_score
        if reaches != best_reaches:
            return reaches
        return score > best_score or (score == best_score and info.order < best.order)

    def _decide(self, hits: list[SignalHit], entities: Entities, normalised: Normalised) -> Verdict:
        best, rule_score = self._best_rule(hits)
        kept = [h for h in hits if h.kind != "rule" or (best and h.id.startswith(best.rule_id + "."))]
        generic_score = sum(h.weight for h in kept if h.kind in (*GENERIC_KINDS, "benign"))
        score = round(rule_score + generic_score, 2)
        scam_type = best.scam_type if best and rule_score >= best.min_score else None
        risk = self._risk(score, scam_type)
        generic_evidence = sum(h.weight for h in kept if h.weight > 0 and h.kind in GENERIC_KINDS)
        if scam_type is None and generic_evidence < self.thresholds.generic_min_evidence:
            risk = "low"  # a rule below its min_score plus a weak hint is not yet a warning
        stage = self._stage(kept, risk)
        escalate, priority = self._escalation(risk, stage, entities.max_amount)
        kept.sort(key=lambda h: (-abs(h.weight), h.span))
        return Verdict(
            risk=risk,
            scam_type=scam_type,
            rule_id=best.rule_id if scam_type and best else None,
            score=score,
            stage=stage,
            escalate=escalate,
            priority=priority,
            hits=tuple(kept),
            entities=entities,
            normalised_text=normalised.text,
            truncated=normalised.truncated,
        )

    def _risk(self, score: float, scam_type: str | None) -> Risk:
        t = self.thresholds
        risk: Risk = "high" if score >= t.high else "medium" if score >= t.medium else "low"
        if scam_type is None and RISK_ORDER[risk] > RISK_ORDER[t.generic_only_max_risk]:
            risk = t.generic_only_max_risk
        return risk

    @staticmethod
    def _stage(hits: list[SignalHit], risk: Risk) -> Stage:
        if any(h.kind == "stage_after" for h in hits):
            return "after"
        if any(h.kind == "stage_before" for h in hits) or risk != "low":
            return "before"
        return "unknown"

    def _escalation(self, risk: Risk, stage: Stage, amount: float | None) -> tuple[bool, Priority | None]:
        large = amount is not None and amount >= self.thresholds.large_amount
        if stage == "after" and risk != "low":
            return True, "urgent"
        if risk == "high" and large:
            return True, "high"
        if risk == "medium" and large:
            return True, "normal"
        return False, None


def _directory(content: ContentBase) -> OfficialDirectory:
    official = content.official
    normalise = Normaliser().keyword
    aliases: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for app in official.apps:
        for alias in (app.name, *app.aliases):
            key = normalise(alias)
            if key:
                aliases[key] = app.name
        kinds[app.name] = app.kind
    return OfficialDirectory(
        short_codes={c.number: c.name.zh for c in official.short_codes},
        emergency=frozenset(c.number for c in official.short_codes if c.kind == "emergency"),
        domains={d.domain: d.name.zh for d in official.domains},
        brands=tuple(official.brands),
        shorteners=frozenset(official.shorteners),
        app_aliases=aliases,
        app_kinds=kinds,
    )
