"""Normalise a message for matching, keeping a map from every output character back to the input.

Steps: NFKC (full width → half width), lower case, zero-width and control characters dropped,
Traditional → Simplified (character level, so positions survive), separators that scammers put between
Chinese characters removed, homophone spellings folded (V信 → 微信), Chinese numerals and amounts
turned into digits (肆万 → 40000, 4万 → 40000).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import opencc

# Judging more than this adds nothing (Telegram caps a message at 4096) and keeps huge input cheap.
MAX_CHARS = 6000

_SEPARATORS = set(" \t\r\n\u3000*_-·.|/\\~^`'\"“”‘’=#")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4,
           "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_NUMERAL_CHARS = set(_DIGITS) | set(_UNITS) | set(_BIG_UNITS)
_MONEY_AFTER = set("元块圆")


Positions = tuple[list[str], list[int], list[int]]


@dataclass(frozen=True)
class Normalised:
    """The normalised text and, per output character, the [start, end) span it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    truncated: bool = False

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) range of `text` back to `original`."""
        if not self.text or start >= end:
            return (0, 0)
        return (self.starts[start], self.ends[min(end, len(self.ends)) - 1])


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    """A character table from OpenCC's data files; phrases are skipped so every position is kept."""
    folder = Path(opencc.__file__).parent / "dictionary"
    # Characters that are themselves Simplified (么, 干, 后…) must never be "converted".
    simplified_chars = {source for source, _ in _single_char_pairs(folder / "STCharacters.txt")}
    table = {s: t for s, t in _single_char_pairs(folder / "TSCharacters.txt") if s not in simplified_chars}
    # Regional variants map to OpenCC's standard form first, then to Simplified.
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for source, standard in _single_char_pairs(folder / name):
            simplified = table.get(standard, standard)
            if source not in table and source not in simplified_chars and simplified != source:
                table[source] = simplified
    return {ord(source): target for source, target in table.items()}


def _single_char_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1:
            pairs.append((source, target))
    return pairs


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


class Normaliser:
    """Folds spelling tricks; built once from the content's homophone table."""

    def __init__(self, homophones: Mapping[str, list[str]] | None = None) -> None:
        variants = {}
        for canonical, spellings in (homophones or {}).items():
            for spelling in spellings:
                key = self._base_fold(spelling)
                if key and key != canonical:
                    variants[key] = canonical
        self._homophones = variants
        # Longest first, so "v信号" style overlaps resolve to the longest spelling.
        alternatives = sorted(variants, key=len, reverse=True)
        self._homophone_re = (
            re.compile("|".join(self._bounded(v) for v in alternatives)) if alternatives else None
        )

    @staticmethod
    def _bounded(spelling: str) -> str:
        """ASCII spellings (vx, wx, zfb) only count as whole tokens, not inside other words."""
        escaped = re.escape(spelling)
        if spelling.isascii():
            return rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
        if spelling[0].isascii():
            escaped = rf"(?<![a-z0-9]){escaped}"
        return escaped

    @staticmethod
    def _base_fold(text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower().translate(_traditional_to_simplified())

    def __call__(self, text: str) -> Normalised:
        truncated = len(text) > MAX_CHARS
        source = text[:MAX_CHARS]
        chars, starts, ends = self._fold_chars(source)
        chars, starts, ends = self._drop_separators(chars, starts, ends)
        chars, starts, ends = self._fold_homophones(chars, starts, ends)
        chars, starts, ends = _fold_numerals(chars, starts, ends)
        return Normalised(source, "".join(chars), tuple(starts), tuple(ends), truncated)

    def keyword(self, keyword: str) -> str:
        """Normalise a content keyword the same way as messages, so editors may write V信 or 肆万."""
        return self(keyword).text

    @staticmethod
    def _fold_chars(source: str) -> Positions:
        table = _traditional_to_simplified()
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for index, char in enumerate(source):
            folded = unicodedata.normalize("NFKC", char) if not char.isascii() else char
            for piece in folded.lower():
                category = unicodedata.category(piece)
                if category in ("Cf", "Cc") and piece not in "\n\t":
                    continue
                chars.append(piece.translate(table))
                starts.append(index)
                ends.append(index + 1)
        return chars, starts, ends

    @staticmethod
    def _drop_separators(chars: list[str], starts: list[int], ends: list[int]) -> Positions:
        """Drop separators next to Chinese text (安-全-账-户); keep them inside ASCII runs (URLs, English)."""
        keep_chars: list[str] = []
        keep_starts: list[int] = []
        keep_ends: list[int] = []
        for i, char in enumerate(chars):
            if char in _SEPARATORS and not _separator_is_meaningful(chars, i):
                continue
            if char.isspace():
                if keep_chars and keep_chars[-1] == " ":
                    continue
                char = " "
            keep_chars.append(char)
            keep_starts.append(starts[i])
            keep_ends.append(ends[i])
        return keep_chars, keep_starts, keep_ends

    def _fold_homophones(self, chars: list[str], starts: list[int], ends: list[int]) -> Positions:
        if self._homophone_re is None:
            return chars, starts, ends
        text = "".join(chars)
        out_chars: list[str] = []
        out_starts: list[int] = []
        out_ends: list[int] = []
        position = 0
        for match in self._homophone_re.finditer(text):
            begin, finish = match.span()
            out_chars.extend(chars[position:begin])
            out_starts.extend(starts[position:begin])
            out_ends.extend(ends[position:begin])
            replacement = self._homophones[match.group(0)]
            out_chars.extend(replacement)
            out_starts.extend([starts[begin]] * len(replacement))
            out_ends.extend([ends[finish - 1]] * len(replacement))
            position = finish
        out_chars.extend(chars[position:])
        out_starts.extend(starts[position:])
        out_ends.extend(ends[position:])
        return out_chars, out_starts, out_ends


def _neighbour(chars: list[str], i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(chars) and chars[j] in _SEPARATORS:
        j += step
    return chars[j] if 0 <= j < len(chars) else ""


def _separator_is_meaningful(chars: list[str], i: int) -> bool:
    """A separator matters between two ASCII characters, except spaces splitting digits (9 5 5 3 3)."""
    prev = _neighbour(chars, i, -1)
    nxt = _neighbour(chars, i, 1)
    if not (prev and nxt and prev.isascii() and nxt.isascii()):
        return False
    return not (chars[i] in " \t\u3000" and prev.isdigit() and nxt.isdigit())


def _numeral_value(run: str) -> int | None:
    """Value of a Chinese numeral run such as 四万五千, 肆万, 十二, 两千; None if malformed."""
    total = 0
    section = 0
    digit: int | None = None
    for char in run:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            section += (digit if digit is not None else 1) * _UNITS[char]
            digit = None
        elif char in _BIG_UNITS:
            section += digit or 0
            total += (section or 1) * _BIG_UNITS[char]
            section = 0
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def _is_amount_run(run: str, before: str, after: str) -> bool:
    """Convert only runs that are clearly quantities, so words like 一起 or 万一 survive."""
    has_digit = any(c in _DIGITS for c in run)
    has_unit = any(c in _UNITS or c in _BIG_UNITS for c in run)
    if before.isdigit():
        return all(c in _BIG_UNITS or c in _UNITS for c in run)
    if len(run) < 2:
        return False
    if run[0] in _BIG_UNITS:
        return False
    return (has_digit and has_unit) or (after in _MONEY_AFTER and has_digit and len(run) >= 2)


def _fold_numerals(chars: list[str], starts: list[int], ends: list[int]) -> Positions:
    """4万 → 40000, 肆万 → 40000, 三千五百元 → 3500元; positions map to the whole source run."""
    if not any(c in _NUMERAL_CHARS for c in chars):
        return chars, starts, ends
    out_chars: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    i = 0
    n = len(chars)
    while i < n:
        if chars[i] not in _NUMERAL_CHARS:
            out_chars.append(chars[i])
            out_starts.append(starts[i])
            out_ends.append(ends[i])
            i += 1
            continue
        j = i
        while j < n and chars[j] in _NUMERAL_CHARS:
            j += 1
        run = "".join(chars[i:j])
        before = out_chars[-1] if out_chars else ""
        after = chars[j] if j < n else ""
        if _is_amount_run(run, before, after):
            if before.isdigit():
                k = len(out_chars)
                while k > 0 and (out_chars[k - 1].isdigit() or out_chars[k - 1] == "."):
                    k -= 1
                number = float("".join(out_chars[k:]) or "0")
                multiplier = _numeral_value(run) or 1
                value = number * multiplier
                begin = out_starts[k]
                del out_chars[k:], out_starts[k:], out_ends[k:]
            else:
                value = _numeral_value(run) or 0
                begin = starts[i]
            digits = str(int(value)) if value == int(value) else f"{value:g}"
            out_chars.extend(digits)
            out_starts.extend([begin] * len(digits))
            out_ends.extend([ends[j - 1]] * len(digits))
        else:
            out_chars.extend(chars[i:j])
            out_starts.extend(starts[i:j])
            out_ends.extend(ends[i:j])
        i = j
    return out_chars, out_starts, out_ends
