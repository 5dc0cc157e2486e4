"""The one masking of personal data, for logs, stored text and staff cards.

What stays visible, and why:
- mainland mobile numbers keep the first 3 and last 4 digits (138****5678), the usual Chinese display form;
  a +86 / 0086 prefix stays as written;
- resident ID numbers keep the first 6 digits (the registration area, which tells the desk whose jurisdiction
  it is) and the last 4 (18 digits) or last 3 (old 15-digit numbers), so the birth date is always hidden;
- bank-card-like numbers (16 to 25 digits, so long account numbers too) keep only the last 4 digits, the
  part a person reads out to confirm which card.
Numbers may be written in groups separated by single spaces or hyphens (6222 0212 3456 7890, 138-1234-5678)
or in full-width digits; separators stay in place and hidden digits become `*`. Other numbers (amounts,
dates, short codes, chat ids) are left alone.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass

_DIGIT = "0-9０-９"
_X = "XxＸｘ"
# Runs of digit groups joined by a single space or hyphen, optionally ending in the ID check letter X.
_CHUNK_RE = re.compile(rf"(?<![{_DIGIT}])[{_DIGIT}]+(?:[ \-][{_DIGIT}]+)*(?:[{_X}](?![A-Za-z0-9]))?")
_GROUP_RE = re.compile(rf"[{_DIGIT}]+[{_X}]?")
_TO_ASCII = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")

_MOBILE_RE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
_ID18_RE = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")
_ID15_RE = re.compile(r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
CARD_DIGITS = range(16, 26)
MAX_DIGITS = CARD_DIGITS.stop - 1
MIN_JOINED_GROUP = 3  # shorter groups (dates, "+86 ") are never glued to their neighbours
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Visible:
    """How many leading and trailing characters of a recognised number stay readable."""

    first: int
    last: int


def classify(number: str) -> Visible | None:
    """What to keep of `number` (ASCII digits, maybe a final X); None when it is not personal data."""
    if _MOBILE_RE.fullmatch(number):
        return Visible(len(number) - 8, 4)
    if _ID18_RE.fullmatch(number):
        return Visible(6, 4)
    if _ID15_RE.fullmatch(number):
        return Visible(6, 3)
    if number.isdigit() and len(number) in CARD_DIGITS:
        return Visible(0, 4)
    return None


def _hide(span_text: str, visible: Visible, total: int) -> str:
    """Replace the hidden characters of a recognised number, keeping separators where they are."""
    out, index = [], 0
    for char in span_text:
        if char in " -":
            out.append(char)
            continue
        out.append(char if index < visible.first or index >= total - visible.last else "*")
        index += 1
    return "".join(out)


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str  # ASCII


def _groups(chunk: str, offset: int) -> list[_Group]:
    return [_Group(offset + m.start(), offset + m.end(), m.group(0).translate(_TO_ASCII))
            for m in _GROUP_RE.finditer(chunk)]


def _joinable(left: _Group, right: _Group) -> bool:
    return len(left.digits) >= MIN_JOINED_GROUP and len(right.digits) >= MIN_JOINED_GROUP


def _longest_match(groups: list[_Group], start: int) -> tuple[int, Visible] | None:
    """The longest run of groups from `start` that forms one personal number: (end index, what to keep)."""
    end, digits = start + 1, len(groups[start].digits)
    while (end < len(groups) and _joinable(groups[end - 1], groups[end])
           and digits + len(groups[end].digits) <= MAX_DIGITS + 1):
        digits += len(groups[end].digits)
        end += 1
    for stop in range(end, start, -1):
        visible = classify("".join(g.digits for g in groups[start:stop]))
        if visible:
            return stop, visible
    return None


def _without_stray_x(groups: list[_Group]) -> list[_Group]:
    """A trailing X that does not end an ID number is ordinary text (a phone number followed by "X")."""
    last = groups[-1]
    if not last.digits.endswith("X"):
        return groups
    if any(_ID18_RE.fullmatch("".join(g.digits for g in groups[i:])) for i in range(len(groups))):
        return groups
    return [*groups[:-1], _Group(last.start, last.end - 1, last.digits[:-1])]


def _mask_chunk(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    groups = _without_stray_x(_groups(text[start:end], start))
    # Single groups first: a phone number next to an amount must not be glued to it and slip through.
    singles = [classify(g.digits) for g in groups]
    replacements: list[tuple[int, int, str]] = []
    index = 0
    while index < len(groups):
        found = _longest_match(groups, index)
        if found and found[0] > index + 1 and any(singles[index:found[0]]):
            found = (index + 1, singles[index]) if singles[index] else None
        if not found:
            index += 1
            continue
        stop, visible = found
        span_start, span_end = groups[index].start, groups[stop - 1].end
        total = sum(len(g.digits) for g in groups[index:stop])
        replacements.append((span_start, span_end, _hide(text[span_start:span_end], visible, total)))
        index = stop
    return replacements


def mask_text(text: str) -> str:
    """`text` with every mobile, ID and bank-card-like number masked; everything else unchanged."""
    if not text:
        return text
    replacements: list[tuple[int, int, str]] = []
    for chunk in _CHUNK_RE.finditer(text):
        replacements.extend(_mask_chunk(text, chunk.start(), chunk.end()))
    if not replacements:
        return text
    out, cursor = [], 0
    for start, end, masked in replacements:
        out.append(text[cursor:start])
        out.append(masked)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def mask_phone(number: str) -> str:
    """138****5678; anything that is not a mainland mobile number comes back unchanged."""
    return _mask_as(number, _MOBILE_RE)


def mask_id_number(number: str) -> str:
    """110101********1234 (or 110101******123 for 15 digits); anything else comes back unchanged."""
    cleaned = number.translate(_TO_ASCII)
    return mask_text(number) if _ID18_RE.fullmatch(cleaned) or _ID15_RE.fullmatch(cleaned) else number


def mask_card(number: str) -> str:
    """************7890 (separators kept); anything that is not card-like comes back unchanged."""
    digits = re.sub(r"[ \-]", "", number.translate(_TO_ASCII))
    if not digits.isdigit() or len(digits) not in CARD_DIGITS:
        return number
    return _hide(number, Visible(0, 4), len(digits))


def _mask_as(number: str, pattern: re.Pattern[str]) -> str:
    digits = re.sub(r"[ \-]", "", number.translate(_TO_ASCII))
    return mask_text(number) if pattern.fullmatch(digits) else number


class RedactingFilter(logging.Filter):
    """Masks personal data and removes configured secrets (the bot token) from every record it sees.

    Attach it to handlers, not loggers: a handler filter sees the records of every child logger too.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = tuple(sorted({s for s in secrets if s and s.strip()}, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return mask_text(text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for the handler to report
            return True
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install_log_redaction(secrets: list[str], logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one RedactingFilter to every handler of the root logger (adding a stderr handler if none).

    Calling it again replaces the earlier filter, so the secrets can change. Handlers added later are not
    covered: call this after logging is configured.
    """
    target = logger or logging.getLogger()
    if not target.handlers:
        # Without a handler, records go to logging.lastResort, which no filter can reach.
        target.addHandler(logging.StreamHandler())
    redacting = RedactingFilter(secrets)
    for handler in target.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redacting)
    return redacting
