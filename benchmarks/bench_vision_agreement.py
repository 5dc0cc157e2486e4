"""Does a screenshot get the same verdict as its text? Rule examples drawn as chat screenshots (clean and
degraded JPEG), read by OCR, judged by the engine, compared with the verdict on the typed text.

Run: .venv/bin/python benchmarks/bench_vision_agreement.py [--count 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.texts import Texts  # noqa: E402
from bot.engine import Engine, load_engine  # noqa: E402
from bot.engine.verdict import Verdict  # noqa: E402
from bot.services.pictures import picture_text  # noqa: E402
from bot.vision import read_image, warm_up  # noqa: E402
from tests.vision.images import render_chat_screenshot  # noqa: E402


def same(a: Verdict, b: Verdict) -> bool:
    """The same answer for the user: flagged or not, and the same scam type."""
    return (a.risk != "low") == (b.risk != "low") and a.scam_type == b.scam_type


def bubbles(text: str, width: int = 18) -> list[str]:
    """Split a message into chat-bubble-sized lines, as a forwarded chat would show it."""
    return [text[i:i + width * 3] for i in range(0, len(text), width * 3)] or [text]


def judge_picture(engine: Engine, texts: Texts, png: bytes) -> tuple[Verdict, float]:
    started = time.perf_counter()
    reading = read_image(png)
    seconds = time.perf_counter() - started
    picture = picture_text(texts, "zh", ocr_text=reading.text, qr_payloads=reading.qr_payloads, caption=None)
    return engine.assess(picture.judged), seconds


def main(count: int, seed: int) -> None:
    engine = load_engine()
    texts = engine.content.texts
    examples = [e.text for entry in engine.content.rules for e in entry.rule.examples.positive
                if not e.text.isascii()]
    random.Random(seed).shuffle(examples)
    examples = examples[:count]
    warm_up()
    for degraded in (False, True):
        agree, seconds, misses = 0, [], []
        for text in examples:
            expected = engine.assess(text)
            got, took = judge_picture(engine, texts, render_chat_screenshot(bubbles(text), degraded=degraded))
            seconds.append(took)
            if same(expected, got):
                agree += 1
            else:
                misses.append(text)
        kind = "degraded" if degraded else "clean"
        seconds.sort()
        print(f"{kind:>8}: {agree}/{len(examples)} = {agree / len(examples):.1%} same verdict; OCR p50 "
              f"{statistics.median(seconds):.2f} s  p95 {seconds[int(len(seconds) * 0.95) - 1]:.2f} s  "
              f"max {seconds[-1]:.2f} s")
        for text in misses[:5]:
            print(f"          differs: {text[:60]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    main(options.count, options.seed)
