"""Match every signal of the rule base in one pass of an Aho-Corasick automaton.

Keywords of all rules go into one automaton, so the cost of a message grows with the hits it contains,
not with the number of rules. Regular expressions run only when one of their prefilter keywords hit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick

from bot.engine.verdict import SignalKind

_ANY, _ALL, _PRE = 0, 1, 2
NEGATION_GAP = 1
CLAUSE_LOOKBACK = 14
OWN_ACT_MARKERS = ("已经", "已", "刚", "都", "我就", "我也", "我先")
CLAUSE_ENDS = set(",.!?;:，。！？；：\n")


@dataclass(frozen=True)
class CompiledSignal:
    key: str
    kind: SignalKind
    weight: float
    label_zh: str
    label_en: str
    rule_id: str | None = None
    any_words: tuple[str, ...] = ()
    all_groups: tuple[tuple[str, ...], ...] = ()
    regexes: tuple[re.Pattern[str], ...] = ()
    prefilter: tuple[str, ...] = ()
    negatable: bool = False


def _ascii_edges(word: str) -> bool:
    """Keywords starting with an ASCII letter must start an English word."""
    return word[:1].isascii() and word[:1].isalpha()


def _inside_a_word(text: str, span: tuple[int, int], edges: bool) -> bool:
    """"fee" must not match in "coffee", nor "app" in "happy"; word endings are free ("follow" → "followed")."""
    before = text[span[0] - 1] if span[0] > 0 else ""
    return before.isascii() and before.isalpha()


class _NegatorSet:
    """Negators looked up by length: a hit is negated when one ends at most one character before it
    ("不收押金", "还没转", "差点被骗")."""

    def __init__(self, words: list[str], exceptions: list[str] = ()) -> None:  # type: ignore[assignment]
        self._words = frozenset(w for w in words if w)
        self._lengths = sorted({len(w) for w in self._words})
        self._exceptions = _NegatorSet(list(exceptions)) if exceptions else None

    def precedes(self, text: str, start: int) -> bool:
        if self._exceptions is not None and self._exceptions.precedes(text, start):
            return False  # "不然影响征信": 不然 means "otherwise", not "not"
        for length in self._lengths:
            for gap in range(NEGATION_GAP + 1):
                end = start - gap
                if end - length >= 0 and text[end - length:end] in self._words:
                    return True
        return False


@dataclass
class _Progress:
    any_span: tuple[int, int] | None = None
    group_spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    regex_candidate: bool = False


@dataclass(frozen=True)
class Match:
    signal: CompiledSignal
    span: tuple[int, int]


class Matcher:
    """Finds which signals a normalised text triggers."""

    def __init__(self, signals: list[CompiledSignal], negators: list[str], stage_negators: list[str],
                 exceptions: list[str] | None = None, clause_negators: list[str] | None = None) -> None:
        self.signals = signals
        self._clause_negators = tuple(clause_negators or ())
        self._negators = _NegatorSet(negators, exceptions or [])
        self._stage_negators = _NegatorSet([*negators, *stage_negators], exceptions or [])
        self._always_regex = [i for i, s in enumerate(signals) if s.regexes and not s.prefilter]
        index: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for number, signal in enumerate(signals):
            for word in signal.any_words:
                index[word].append((number, _ANY, 0))
            for group_number, group in enumerate(signal.all_groups):
                for word in group:
                    index[word].append((number, _ALL, group_number))
            for word in signal.prefilter:
                index[word].append((number, _PRE, 0))
        self._automaton = ahocorasick.Automaton()
        for word, targets in index.items():
            self._automaton.add_word(word, (len(word), _ascii_edges(word), tuple(targets)))
        self._empty = not index
        if index:
            self._automaton.make_automaton()

    def _negated(self, signal: CompiledSignal, text: str, start: int) -> bool:
        if signal.kind != "stage_after":
            return self._negators.precedes(text, start)
        return self._stage_negators.precedes(text, start) or self._demanded(text, start)

    def _demanded(self, text: str, start: int) -> bool:
        """"还让我把卡号和密码报给他": in the same clause, what they asked for is not what you did."""
        clause_start = start
        while clause_start > 0 and start - clause_start < CLAUSE_LOOKBACK and text[clause_start - 1] not in CLAUSE_ENDS:
            clause_start -= 1
        clause = text[clause_start:start]
        last = max((clause.rfind(word) + len(word) for word in self._clause_negators if word in clause), default=-1)
        # "要我交解冻费，我已经转了": the user's own 已经/刚/都 after their demand is an act, not the demand.
        return last >= 0 and not any(word in clause[last:] for word in OWN_ACT_MARKERS)

    def find(self, text: str) -> list[Match]:
        progress: dict[int, _Progress] = defaultdict(_Progress)
        if not self._empty and text:
            for end, (length, edges, targets) in self._automaton.iter(text):
                span = (end - length + 1, end + 1)
                if edges and _inside_a_word(text, span, edges):
                    continue
                for number, path, group in targets:
                    signal = self.signals[number]
                    if path != _PRE and signal.negatable and self._negated(signal, text, span[0]):
                        continue
                    state = progress[number]
                    if path == _ANY:
                        state.any_span = state.any_span or span
                    elif path == _ALL:
                        state.group_spans.setdefault(group, span)
                    else:
                        state.regex_candidate = True
        for number in self._always_regex:
            progress[number].regex_candidate = True
        return [m for number, state in progress.items() if (m := self._resolve(text, number, state))]

    def _resolve(self, text: str, number: int, state: _Progress) -> Match | None:
        signal = self.signals[number]
        if state.any_span:
            return Match(signal, state.any_span)
        if signal.all_groups and len(state.group_spans) == len(signal.all_groups):
            return Match(signal, state.group_spans[0])
        if state.regex_candidate:
            for pattern in signal.regexes:
                for found in pattern.finditer(text):
                    if not (signal.negatable and self._negated(signal, text, found.start())):
                        return Match(signal, found.span())
        return None
