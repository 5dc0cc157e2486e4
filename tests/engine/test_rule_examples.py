"""Every rule's own positive and negative examples, as `fraudbot content check` runs them."""

from __future__ import annotations

from bot.engine.decide import Engine
from bot.services.content_check import check_examples
from bot.taxonomy import SCAM_TYPES


def test_every_scam_type_has_rules(engine: Engine) -> None:
    assert set(engine.content.scam_types) == set(SCAM_TYPES)


def test_every_rule_example_passes(engine: Engine) -> None:
    failures = [f for result in check_examples(engine) for f in result.failures]
    assert not failures, "\n".join(f"{f.rule_id} {f.polarity}: {f.problem}: {f.text}" for f in failures)


def test_every_rule_has_enough_varied_examples(engine: Engine) -> None:
    for entry in engine.content.rules:
        positives = entry.rule.examples.positive
        assert len(positives) >= 12 and len(entry.rule.examples.negative) >= 5, entry.rule.id
        assert len({e.text for e in positives}) == len(positives), f"{entry.rule.id} repeats an example"
