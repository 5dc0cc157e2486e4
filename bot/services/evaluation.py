"""Score the engine on a labelled set (JSON lines with the contract's fields)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.decide import Engine


class EvalFileError(ValueError):
    """A labelled file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    kind: str
    risk: str
    scam_type: str | None
    stage: str


@dataclass
class EvalReport:
    total: int = 0
    scams: int = 0
    scams_flagged: int = 0
    benign: int = 0
    benign_flagged: int = 0
    ambiguous: int = 0
    ambiguous_flagged: int = 0
    typed: int = 0
    type_correct: int = 0
    staged: int = 0
    stage_correct: int = 0
    after: int = 0
    after_found: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, str]] = field(default_factory=list)

    @staticmethod
    def ratio(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def recall(self) -> float:
        return self.ratio(self.scams_flagged, self.scams)

    @property
    def false_alarm_rate(self) -> float:
        return self.ratio(self.benign_flagged, self.benign)

    @property
    def type_accuracy(self) -> float:
        return self.ratio(self.type_correct, self.typed)

    @property
    def stage_accuracy(self) -> float:
        return self.ratio(self.stage_correct, self.staged)

    @property
    def after_recall(self) -> float:
        return self.ratio(self.after_found, self.after)


def _kind(record: dict[str, object]) -> str:
    kind = record.get("kind")
    if kind in ("scam", "benign", "ambiguous"):
        return str(kind)
    return "scam" if record.get("risk") in ("high", "medium") and record.get("scam_type") else "benign"


def read_labelled(path: Path) -> list[LabelledMessage]:
    messages = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise EvalFileError(f"{path}:{number}: field 'text' is missing")
        messages.append(LabelledMessage(
            text=record["text"], kind=_kind(record), risk=str(record.get("risk", "low")),
            scam_type=record.get("scam_type") or None, stage=str(record.get("stage") or "unknown"),
        ))
    return messages


def evaluate(engine: Engine, messages: list[LabelledMessage]) -> EvalReport:
    report = EvalReport()
    for message in messages:
        verdict = engine.assess(message.text)
        flagged = verdict.risk != "low"
        report.total += 1
        if message.kind == "benign":
            report.benign += 1
            report.benign_flagged += flagged
            if flagged:
                report.misses.append((message.text, f"false alarm: {verdict.risk} {verdict.scam_type}"))
            continue
        if message.kind == "ambiguous":
            report.ambiguous += 1
            report.ambiguous_flagged += flagged
            continue
        report.scams += 1
        report.scams_flagged += flagged
        if not flagged:
            report.misses.append((message.text, f"missed {message.scam_type}"))
        if message.scam_type:
            report.typed += 1
            report.type_correct += verdict.scam_type == message.scam_type
            report.confusion[(message.scam_type, verdict.scam_type or "-")] += 1
            if flagged and verdict.scam_type != message.scam_type:
                report.misses.append((message.text, f"type {verdict.scam_type}, expected {message.scam_type}"))
        if message.stage in ("before", "after"):
            report.staged += 1
            report.stage_correct += verdict.stage == message.stage
        if message.stage == "after":
            report.after += 1
            report.after_found += verdict.stage == "after"
            if verdict.stage != "after":
                report.misses.append((message.text, "stage 'after' not recognised"))
    return report
