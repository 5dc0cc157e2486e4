"""Engine throughput and latency for the shipped rule base and synthetic bases 10x and 100x its size.

Run: .venv/bin/python benchmarks/bench_engine.py  (prints figures; no assertions)
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

from bot.content.loader import ContentBase, RuleEntry, load_content
from bot.engine.decide import Engine

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3


def messages(content: ContentBase) -> list[str]:
    """Every rule example plus the evaluation set: realistic lengths and vocabulary."""
    texts = [e.text for entry in content.rules for e in (*entry.rule.examples.positive, *entry.rule.examples.negative)]
    eval_file = ROOT / "tests" / "data" / "eval.jsonl"
    texts += [json.loads(line)["text"] for line in eval_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def _mutate(word: str, rng: random.Random) -> str:
    return word + rng.choice("甲乙丙丁戊己庚辛壬癸") + str(rng.randint(0, 999))


def synthetic(content: ContentBase, factor: int, seed: int = 7) -> ContentBase:
    """A base `factor` times larger: each rule copied with perturbed keywords (so the automaton grows)."""
    rng = random.Random(seed)
    rules = list(content.rules)
    for copy in range(1, factor):
        for entry in content.rules:
            signals = [
                s.model_copy(update={"any": [_mutate(w, rng) for w in s.any],
                                     "all": [[_mutate(w, rng) for w in g] for g in s.all],
                                     "regex": [], "prefilter": []})
                for s in entry.rule.signals
            ]
            signals = [s for s in signals if s.any or s.all] or signals[:1]
            rule = entry.rule.model_copy(update={"id": f"{entry.rule.id}_x{copy}", "signals": signals,
                                                 "requires_any": []})
            rules.append(RuleEntry(rule, entry.scam_type, entry.file))
    return replace(content, rules=tuple(rules))


def measure(engine: Engine, texts: list[str]) -> dict[str, float]:
    latencies = []
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for text in texts:
            t0 = time.perf_counter()
            engine.assess(text)
            latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "messages_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "max_ms": latencies[-1],
    }


def main() -> None:
    started = time.perf_counter()
    content = load_content()
    engine = Engine(content)
    load_seconds = time.perf_counter() - started
    texts = messages(content)
    print(f"content load + engine build: {load_seconds * 1000:.0f} ms "
          f"({len(content.rules)} rules, {sum(len(r.rule.signals) for r in content.rules)} signals)")
    print(f"messages: {len(texts)} x {ROUNDS} rounds, mean length {statistics.mean(map(len, texts)):.0f} chars")
    for factor in (1, 10, 100):
        base = content if factor == 1 else synthetic(content, factor)
        build_started = time.perf_counter()
        scaled = Engine(base)
        build_ms = (time.perf_counter() - build_started) * 1000
        figures = measure(scaled, texts)
        print(f"{factor:>3}x base ({len(base.rules):>5} rules, build {build_ms:6.0f} ms): "
              f"{figures['messages_per_s']:8.0f} msg/s  p50 {figures['p50_ms']:.3f} ms  "
              f"p99 {figures['p99_ms']:.3f} ms  max {figures['max_ms']:.3f} ms")
    long_text = "我想问一下" * 20_000
    t0 = time.perf_counter()
    engine.assess(long_text)
    print(f"100 KB message: {(time.perf_counter() - t0) * 1000:.1f} ms (judged on the first 6000 characters)")


if __name__ == "__main__":
    main()
