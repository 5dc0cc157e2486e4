"""Put recognised text boxes back in reading order: one line per chat bubble or paragraph, top to bottom.

The recogniser returns one box per printed line. A bubble's text wraps over several printed lines, and a
phrase the engine looks for ("安全账户") may be cut by the wrap, so the lines of one bubble are joined again;
different bubbles, the title and timestamps stay separate lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Boxes on one printed line further apart than this (in line heights) are separate items (a status bar's
# clock and battery, two columns).
_ROW_GAP = 1.5
# A printed line continues the paragraph above it when it starts this close below it and this close to its
# left edge (in line heights), in a similar font size; bubbles are separated by padding and margins several
# times larger.
_WRAP_GAP = 0.8
_WRAP_INDENT = 1.0
_WRAP_HEIGHT_RATIO = 0.7
_WRAP_SIZE_RATIO = 0.6
_MIN_EMS_TO_MEASURE = 2.0
_TRAILING_MARKS = "。，、；：！？”’）》」"
_URL_TAIL = re.compile(r"(?:https?://|www\.|[\w-]+\.[a-z]{2,}/)\S*$", re.IGNORECASE)


@dataclass(frozen=True)
class TextBox:
    """A piece of recognised text and its upright bounding box in picture pixels."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def from_quad(cls, text: str, quad: Sequence[Sequence[float]]) -> TextBox:
        xs = [float(point[0]) for point in quad]
        ys = [float(point[1]) for point in quad]
        return cls(text, min(xs), min(ys), max(xs), max(ys))

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2

    def shifted(self, dy: float) -> TextBox:
        return TextBox(self.text, self.left, self.top + dy, self.right, self.bottom + dy)


def reading_order(boxes: Sequence[TextBox]) -> list[str]:
    """The text of the boxes as lines: printed lines of one bubble joined, bubbles top to bottom."""
    printed_lines = [line for row in _rows(boxes) for line in _split_row(row)]
    return [_join_paragraph(paragraph) for paragraph in _paragraphs(printed_lines)]


def _rows(boxes: Sequence[TextBox]) -> list[list[TextBox]]:
    rows: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.center_y):
        if rows and _same_row(rows[-1], box):
            rows[-1].append(box)
        else:
            rows.append([box])
    return rows


def _same_row(row: list[TextBox], box: TextBox) -> bool:
    top = min(b.top for b in row)
    bottom = max(b.bottom for b in row)
    overlap = min(bottom, box.bottom) - max(top, box.top)
    return overlap >= 0.5 * min(bottom - top, box.height)


def _split_row(row: list[TextBox]) -> list[TextBox]:
    """Merge boxes of one printed line, except across a wide gap."""
    items: list[TextBox] = []
    for box in sorted(row, key=lambda b: b.left):
        last = items[-1] if items else None
        if last is not None and box.left - last.right <= _ROW_GAP * max(last.height, box.height):
            items[-1] = TextBox(_join(last.text, box.text, wrapped=False), last.left, min(last.top, box.top),
                                max(last.right, box.right), max(last.bottom, box.bottom))
        else:
            items.append(box)
    return items


def _paragraphs(lines: list[TextBox]) -> list[list[TextBox]]:
    paragraphs: list[list[TextBox]] = []
    for line in sorted(lines, key=lambda b: (b.top, b.left)):
        paragraph = next((p for p in reversed(paragraphs) if _continues(p[-1], line)), None)
        if paragraph is None:
            paragraphs.append([line])
        else:
            paragraph.append(line)
    return sorted(paragraphs, key=lambda p: (p[0].top, p[0].left))


def _continues(above: TextBox, line: TextBox) -> bool:
    height = max(above.height, line.height)
    gap = line.top - above.bottom
    return (-0.3 * height <= gap <= _WRAP_GAP * height
            and abs(line.left - above.left) <= _WRAP_INDENT * height
            and _same_font_size(above, line))


def _same_font_size(above: TextBox, line: TextBox) -> bool:
    """A title over its subtitle is not one paragraph. Box heights vary with the glyphs in them, so the
    width per character is compared where the lines are long enough to measure it."""
    sizes = _em_size(above), _em_size(line)
    if sizes[0] is not None and sizes[1] is not None:
        return min(sizes) / max(sizes) >= _WRAP_SIZE_RATIO
    return min(above.height, line.height) / max(above.height, line.height) >= _WRAP_HEIGHT_RATIO


def _em_size(box: TextBox) -> float | None:
    """Roughly the font size in pixels: the box width over the text's width in ems; None if too short."""
    text = box.text.rstrip(_TRAILING_MARKS)
    # Latin letters and digits are about half an em wide; a trailing full-width mark has little ink.
    ems = sum(1.0 if _is_wide(char) else 0.55 for char in text) + 0.5 * (len(box.text) - len(text))
    return (box.right - box.left) / ems if ems >= _MIN_EMS_TO_MEASURE else None


def _join_paragraph(paragraph: list[TextBox]) -> str:
    text = paragraph[0].text
    for line in paragraph[1:]:
        text = _join(text, line.text, wrapped=True)
    return text


def _join(left: str, right: str, *, wrapped: bool) -> str:
    """Chinese needs no space between pieces; Latin words do, unless the wrap cut a word, number or link."""
    if not left or not right:
        return left + right
    if _is_wide(left[-1]) or _is_wide(right[0]):
        return left + right
    if wrapped and _wrap_cut_a_word(left, right):
        return left + right
    return f"{left} {right}"


def _wrap_cut_a_word(left: str, right: str) -> bool:
    # Chat apps wrap Chinese text between any two characters, digits and links included.
    return ((left[-1].isdigit() and right[0].isdigit()) or _URL_TAIL.search(left) is not None
            or any(_is_wide(char) for char in left))


def _is_wide(char: str) -> bool:
    """CJK ideographs, kana, hangul and full-width punctuation: scripts written without spaces."""
    code = ord(char)
    return (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF
            or 0xFE30 <= code <= 0xFE4F or 0xFF00 <= code <= 0xFFEF)
