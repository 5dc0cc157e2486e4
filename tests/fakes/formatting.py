"""Telegram's server-side text formatting: parse modes, auto-detected entities, UTF-16 offsets.

Telegram strips the markup of HTML/MarkdownV2/Markdown messages, returns the plain text with
entities, and rejects malformed markup with "can't parse entities". The parsers follow TDLib's
(td/telegram/MessageEntity.cpp) rules closely enough that a message the fake accepts is one
Telegram accepts, and the error texts match the ones the real server sends.
"""

import html
import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """Markup that Telegram would reject with "Bad Request: can't parse entities: ..."."""


@dataclass
class FormattedText:
    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_formatted(text: str, parse_mode: str | None) -> FormattedText:
    """Apply a Bot API parse_mode, then strip outer whitespace as Telegram does."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = _HtmlParser(text).parse()
    elif mode == "markdownv2":
        parsed = _MarkdownV2Parser(text).parse()
    elif mode == "markdown":
        parsed = _parse_legacy_markdown(text)
    elif mode == "":
        parsed = FormattedText(text)
    else:
        raise EntityParseError(f"Unsupported parse_mode {parse_mode!r}")
    return strip_outer_whitespace(parsed)


def strip_outer_whitespace(formatted: FormattedText) -> FormattedText:
    """Drop leading/trailing whitespace and shift or trim entities accordingly."""
    text = formatted.text
    stripped = text.strip()
    if not stripped:
        return FormattedText("")
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = lead + utf16_len(stripped)
    entities: list[Entity] = []
    for entity in formatted.entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            entities.append({**entity, "offset": start - lead, "length": stop - start})
    return FormattedText(stripped, entities)


_DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?(?![\w/])")),
    ("email", re.compile(r"(?<![\w.@])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("url", re.compile(r"(?<![\w@])(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/[^\s]*)?")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w+")),
)


def detect_entities(text: str) -> list[Entity]:
    """Entities Telegram adds on its own: commands, e-mails, links, mentions, hashtags."""
    taken: list[tuple[int, int]] = []
    entities: list[Entity] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            taken.append(span)
            offset = utf16_len(text[: span[0]])
            entities.append({"type": kind, "offset": offset, "length": utf16_len(match.group())})
    return sort_entities(entities)


def merge_detected(formatted: FormattedText) -> FormattedText:
    """Add auto-detected entities that do not overlap the explicit ones."""
    explicit = [(e["offset"], e["offset"] + e["length"]) for e in formatted.entities]
    extra = [
        e
        for e in detect_entities(formatted.text)
        if not any(e["offset"] < end and start < e["offset"] + e["length"] for start, end in explicit)
    ]
    return FormattedText(formatted.text, sort_entities(formatted.entities + extra))


def sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _OpenEntity:
    tag: str
    offset: int
    attributes: dict[str, str]
    position: int


_HTML_TAGS = {
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
    "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
}  # fmt: skip
_HTML_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
}  # fmt: skip
_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6}|lt|gt|amp|quot);")


class _ParserState:
    """Where a formatting parser stands: input position, plain output, open and finished entities."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.i = 0
        self.out: list[str] = []
        self.utf16_pos = 0
        self.open: list[_OpenEntity] = []
        self.entities: list[Entity] = []


class _HtmlParser(_ParserState):
    """Telegram's HTML dialect: a fixed tag set, strict nesting, only four named entities."""

    def parse(self) -> FormattedText:
        while self.i < len(self.source):
            char = self.source[self.i]
            if char == "&":
                self._entity_reference()
            elif char != "<":
                self._append(char)
                self.i += 1
            elif self.source.startswith("</", self.i):
                self._end_tag()
            else:
                self._start_tag()
        if self.open:
            raise EntityParseError(f"Can't find end tag corresponding to start tag {self.open[-1].tag}")
        return FormattedText("".join(self.out), sort_entities(self.entities))

    def _append(self, text: str) -> None:
        self.out.append(text)
        self.utf16_pos += utf16_len(text)

    def _entity_reference(self) -> None:
        match = _HTML_ENTITY.match(self.source, self.i)
        if match is None:
            self._append("&")
            self.i += 1
            return
        self._append(html.unescape(match.group()))
        self.i = match.end()

    def _start_tag(self) -> None:
        begin = self.i
        end = self.i + 1
        while end < len(self.source) and not self.source[end].isspace() and self.source[end] != ">":
            end += 1
        if end >= len(self.source):
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(self.source, begin)}")
        tag = self.source[begin + 1 : end].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(self.source, begin)}'
            )
        self.i = end
        attributes = self._attributes(tag, begin)
        self.open.append(_OpenEntity(tag, self.utf16_pos, attributes, begin))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        attributes: dict[str, str] = {}
        source = self.source
        while True:
            while self.i < len(source) and source[self.i].isspace():
                self.i += 1
            if self.i >= len(source):
                raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            if source[self.i] == ">":
                self.i += 1
                return attributes
            name_match = re.compile(r"[A-Za-z0-9_-]+").match(source, self.i)
            if name_match is None:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(source, begin)}'
                )
            name = name_match.group().lower()
            self.i = name_match.end()
            if self.i < len(source) and source[self.i] == "=":
                self.i += 1
                attributes[name] = self._attribute_value(tag, begin)
            elif tag == "blockquote" and name == "expandable":
                attributes[name] = ""
            else:
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {_byte_offset(source, begin)}"
                )

    def _attribute_value(self, tag: str, begin: int) -> str:
        source = self.source
        if self.i < len(source) and source[self.i] in "'\"":
            quote = source[self.i]
            close = source.find(quote, self.i + 1)
            if close < 0:
                raise EntityParseError(
                    f'Unclosed end of attribute value in the tag "{tag}" at byte offset '
                    f"{_byte_offset(source, begin)}"
                )
            raw = source[self.i + 1 : close]
            self.i = close + 1
        else:
            match = re.compile(r"[^\s>]*").match(source, self.i)
            assert match is not None
            raw = match.group()
            self.i = match.end()
        return html.unescape(raw)

    def _end_tag(self) -> None:
        begin = self.i
        if not self.open:
            raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(self.source, begin)}")
        close = self.source.find(">", begin)
        if close < 0:
            raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(self.source, begin)}")
        name = self.source[begin + 2 : close].strip().lower()
        opened = self.open.pop()
        if name and name != opened.tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {_byte_offset(self.source, begin)}, "
                f'expected "</{opened.tag}>", found "</{name}>"'
            )
        self.i = close + 1
        self._close(opened)

    def _close(self, opened: _OpenEntity) -> None:
        length = self.utf16_pos - opened.offset
        entity = self._entity_for(opened)
        if entity is None or length == 0:
            return
        if entity["type"] == "code" and self.open and self.open[-1].tag == "pre":
            language = opened.attributes.get("class", "")
            if language.startswith("language-"):
                # <pre><code class="language-x"> is one pre entity with a language, as in TDLib.
                self.open[-1].attributes["language"] = language.removeprefix("language-")
                return
        self.entities.append({**entity, "offset": opened.offset, "length": length})

    def _entity_for(self, opened: _OpenEntity) -> Entity | None:
        tag, attributes = opened.tag, opened.attributes
        if tag in _HTML_SIMPLE:
            return {"type": _HTML_SIMPLE[tag]}
        if tag == "span":
            if attributes.get("class") != "tg-spoiler":
                raise EntityParseError('Tag "span" must have class "tg-spoiler"')
            return {"type": "spoiler"}
        if tag == "a":
            url = attributes.get("href", "")
            return {"type": "text_link", "url": url} if url else None
        if tag == "tg-emoji":
            return {"type": "custom_emoji", "custom_emoji_id": attributes.get("emoji-id", "")}
        if tag == "pre":
            language = attributes.get("language")
            return {"type": "pre", "language": language} if language else {"type": "pre"}
        if tag == "blockquote":
            return {"type": "expandable_blockquote" if "expandable" in attributes else "blockquote"}
        return {"type": "code"}


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler",
    "[": "TextUrl", "`": "Code", "```": "Pre", ">": "BlockQuote",
}  # fmt: skip
_MDV2_TYPES = {
    "*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler", "`": "code",
    "```": "pre", ">": "blockquote",
}  # fmt: skip


class _MarkdownV2Parser(_ParserState):
    """MarkdownV2: every reserved character outside an entity marker must be escaped."""

    def parse(self) -> FormattedText:
        source = self.source
        while self.i < len(source):
            at_line_start = self.i == 0 or source[self.i - 1] == "\n"
            char = source[self.i]
            if char == "\\" and self.i + 1 < len(source) and 0 < ord(source[self.i + 1]) < 127:
                self._append(source[self.i + 1])
                self.i += 2
            elif self._in_code():
                self._code_char()
            elif char == "\n" and self._top() == ">":
                self._newline_in_quote()
            elif at_line_start and char == ">" and self._top() != ">":
                self._open(">", 1)
            elif (marker := self._closing_marker()) is not None:
                self._close(marker)
            elif char not in _MDV2_RESERVED:
                self._append(char)
                self.i += 1
            else:
                self._open_marker()
        if self.open and self._top() == ">":
            self._close_entity(self.open.pop())
        if self.open:
            opened = self.open[-1]
            raise EntityParseError(
                f"Can't find end of {_MDV2_NAMES[opened.tag]} entity at byte offset "
                f"{_byte_offset(source, opened.position)}"
            )
        return FormattedText("".join(self.out), sort_entities(self.entities))

    def _append(self, text: str) -> None:
        self.out.append(text)
        self.utf16_pos += utf16_len(text)

    def _top(self) -> str | None:
        return self.open[-1].tag if self.open else None

    def _in_code(self) -> bool:
        return self._top() in ("`", "```")

    def _code_char(self) -> None:
        closer = self._top() or ""
        if self.source.startswith(closer, self.i):
            self.i += len(closer)
            self._close_entity(self.open.pop())
            return
        self._append(self.source[self.i])
        self.i += 1

    def _newline_in_quote(self) -> None:
        self._append("\n")
        self.i += 1
        if self.source.startswith(">", self.i):
            self.i += 1
        else:
            self._close_entity(self.open.pop())

    def _closing_marker(self) -> str | None:
        tag = self._top()
        if tag in ("*", "_", "__", "~", "||") and self.source.startswith(tag, self.i):
            return tag
        if tag == "[" and self.source[self.i] == "]":
            return "]"
        return None

    def _close(self, marker: str) -> None:
        if marker == "]":
            self._close_link()
            return
        self.i += len(marker)
        self._close_entity(self.open.pop())

    def _close_link(self) -> None:
        opened = self.open.pop()
        self.i += 1
        if not self.source.startswith("(", self.i):
            return  # "[text]" without "(url)" stays plain text, as in TDLib.
        close = self.i + 1
        url_chars: list[str] = []
        while close < len(self.source) and self.source[close] != ")":
            if self.source[close] == "\\" and close + 1 < len(self.source):
                close += 1
            url_chars.append(self.source[close])
            close += 1
        if close >= len(self.source):
            raise EntityParseError(
                f"Can't find end of a URL at byte offset {_byte_offset(self.source, self.i)}"
            )
        self.i = close + 1
        length = self.utf16_pos - opened.offset
        if length:
            url = "".join(url_chars)
            self.entities.append({"type": "text_link", "offset": opened.offset, "length": length, "url": url})

    def _open_marker(self) -> None:
        source = self.source
        for marker in ("```", "||", "__", "`", "*", "_", "~", "["):
            if source.startswith(marker, self.i):
                self._open(marker, len(marker))
                if marker == "```":
                    self._pre_language()
                return
        raise EntityParseError(
            f"Character '{source[self.i]}' is reserved and must be escaped with the preceding '\\'"
        )

    def _open(self, marker: str, width: int) -> None:
        self.open.append(_OpenEntity(marker, self.utf16_pos, {}, self.i))
        self.i += width

    def _pre_language(self) -> None:
        newline = self.source.find("\n", self.i)
        first_line = self.source[self.i : newline] if newline >= 0 else ""
        if newline >= 0 and first_line and " " not in first_line and "`" not in first_line:
            self.open[-1].attributes["language"] = first_line
            self.i = newline + 1

    def _close_entity(self, opened: _OpenEntity) -> None:
        length = self.utf16_pos - opened.offset
        if length == 0:
            return
        entity: Entity = {"type": _MDV2_TYPES[opened.tag], "offset": opened.offset, "length": length}
        if "language" in opened.attributes:
            entity["language"] = opened.attributes["language"]
        self.entities.append(entity)


_LEGACY_MARKERS = {"*": "bold", "_": "italic", "`": "code", "```": "pre", "[": "text_link"}


def _parse_legacy_markdown(source: str) -> FormattedText:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out: list[str] = []
    entities: list[Entity] = []
    utf16_pos = 0
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            out.append(source[i + 1])
            utf16_pos += 1
            i += 2
            continue
        marker = "```" if source.startswith("```", i) else char
        if marker not in _LEGACY_MARKERS:
            out.append(char)
            utf16_pos += utf16_len(char)
            i += 1
            continue
        closer = "]" if marker == "[" else marker
        end = source.find(closer, i + len(marker))
        if end < 0:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}"
            )
        inner = source[i + len(marker) : end]
        entity: Entity = {"type": _LEGACY_MARKERS[marker], "offset": utf16_pos, "length": utf16_len(inner)}
        i = end + len(closer)
        if marker == "[":
            url_end = source.find(")", i) if source.startswith("(", i) else -1
            if url_end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}"
                )
            entity["url"] = source[i + 1 : url_end]
            i = url_end + 1
        out.append(inner)
        utf16_pos += entity["length"]
        if entity["length"]:
            entities.append(entity)
    return FormattedText("".join(out), entities)
