"""Run every rule's examples through the engine: what `fraudbot content check` and the tests report."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.schema import Example
from bot.engine.decide import Engine
from bot.engine.verdict import RISK_ORDER, Verdict


@dataclass(frozen=True)
class ExampleFailure:
    rule_id: str
    polarity: str
    text: str
    problem: str


@dataclass
class RuleResult:
    rule_id: str
    scam_type: str
    positives: int = 0
    positives_passed: int = 0
    negatives: int = 0
    negatives_passed: int = 0
    failures: list[ExampleFailure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _positive_problem(example: Example, verdict: Verdict, scam_type: str) -> str | None:
    if verdict.scam_type != scam_type:
        return f"judged type {verdict.scam_type} (risk {verdict.risk}), expected {scam_type}"
    if example.risk and verdict.risk != example.risk:
        return f"judged risk {verdict.risk}, expected {example.risk}"
    if not example.risk and RISK_ORDER[verdict.risk] < RISK_ORDER["medium"]:
        return "judged risk low, expected medium or high"
    if example.stage and verdict.stage != example.stage:
        return f"judged stage {verdict.stage}, expected {example.stage}"
    return None


def _negative_problem(example: Example, verdict: Verdict, scam_type: str) -> str | None:
    if verdict.scam_type == scam_type:
        return f"judged as {scam_type} (risk {verdict.risk}, rule {verdict.rule_id})"
    if example.risk and verdict.risk != example.risk:
        return f"judged risk {verdict.risk}, expected {example.risk}"
    return None


def check_examples(engine: Engine, scam_type: str | None = None) -> list[RuleResult]:
    """One result per rule (optionally of one scam type), with every failing example."""
    results = []
    for entry in engine.content.rules:
        if scam_type and entry.scam_type != scam_type:
            continue
        result = RuleResult(entry.rule.id, entry.scam_type)
        for example in entry.rule.examples.positive:
            result.positives += 1
            problem = _positive_problem(example, engine.assess(example.text), entry.scam_type)
            if problem:
                result.failures.append(ExampleFailure(entry.rule.id, "positive", example.text, problem))
            else:
                result.positives_passed += 1
        for example in entry.rule.examples.negative:
            result.negatives += 1
            problem = _negative_problem(example, engine.assess(example.text), entry.scam_type)
            if problem:
                result.failures.append(ExampleFailure(entry.rule.id, "negative", example.text, problem))
            else:
                result.negatives_passed += 1
        results.append(result)
    return results
