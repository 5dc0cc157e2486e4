"""Telegram's server-side formatting as the fake reproduces it."""

import pytest

from .formatting import EntityParseError, FormattedText, detect_entities, parse_formatted, utf16_len


def spans(formatted: FormattedText) -> list[tuple[str, int, int]]:
    return [(e["type"], e["offset"], e["length"]) for e in formatted.entities]


def test_entity_offsets_count_utf16_code_units() -> None:
    parsed = parse_formatted("😀 <b>注意</b>", "HTML")

    assert utf16_len("😀") == 2
    assert spans(parsed) == [("bold", 3, 2)]


def test_html_link_pre_with_language_and_expandable_quote() -> None:
    parsed = parse_formatted(
        '<a href="https://96110.example">举报</a>\n<pre><code class="language-text">110</code></pre>'
        "<blockquote expandable>细节</blockquote>",
        "HTML",
    )

    assert parsed.text == "举报\n110细节"
    assert parsed.entities == [
        {"type": "text_link", "url": "https://96110.example", "offset": 0, "length": 2},
        {"type": "pre", "language": "text", "offset": 3, "length": 3},
        {"type": "expandable_blockquote", "offset": 6, "length": 2},
    ]


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>未闭合", "Can't find end tag corresponding to start tag b"),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("转账 <b", "Unclosed start tag at byte offset 7"),
    ],
)
def test_malformed_html_fails_with_telegrams_message(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as raised:
        parse_formatted(markup, "HTML")

    assert str(raised.value) == error


def test_html_keeps_unknown_ampersands_and_decodes_the_supported_entities() -> None:
    assert parse_formatted("A&B &lt;&gt;&amp;&quot;&#20013; &nbsp;", "HTML").text == 'A&B <>&"中 &nbsp;'


def test_markdown_v2_entities_and_escapes() -> None:
    parsed = parse_formatted(
        "*粗* _斜_ __下__ ~删~ ||剧透|| `a\\`b` [链接](https://x.example/a\\)b) 1\\.5", "MarkdownV2"
    )

    assert parsed.text == "粗 斜 下 删 剧透 a`b 链接 1.5"
    assert spans(parsed) == [
        ("bold", 0, 1),
        ("italic", 2, 1),
        ("underline", 4, 1),
        ("strikethrough", 6, 1),
        ("spoiler", 8, 2),
        ("code", 11, 3),
        ("text_link", 15, 2),
    ]
    assert parsed.entities[-1]["url"] == "https://x.example/a)b"


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("收益 5%!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
        ("*没有结尾", "Can't find end of Bold entity at byte offset 0"),
        ("`代码", "Can't find end of Code entity at byte offset 0"),
    ],
)
def test_malformed_markdown_v2_fails_with_telegrams_message(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as raised:
        parse_formatted(markup, "MarkdownV2")

    assert str(raised.value) == error


def test_legacy_markdown_needs_closed_entities() -> None:
    assert parse_formatted("*粗* [链接](http://a.example) 1.5!", "Markdown").text == "粗 链接 1.5!"
    with pytest.raises(EntityParseError, match="Can't find end of the entity starting at byte offset 0"):
        parse_formatted("_未闭合", "Markdown")


def test_outer_whitespace_is_stripped_and_entities_shift() -> None:
    parsed = parse_formatted("\n  <b>高风险</b>  \n", "HTML")

    assert (parsed.text, spans(parsed)) == ("高风险", [("bold", 0, 3)])


def test_commands_links_mentions_and_hashtags_are_detected() -> None:
    text = "/check@fraudbot_test_bot 链接 http://pay.example.cn/x 找 @officer_wang #刷单"

    assert [(e["type"], text[e["offset"] : e["offset"] + e["length"]]) for e in detect_entities(text)] == [
        ("bot_command", "/check@fraudbot_test_bot"),
        ("url", "http://pay.example.cn/x"),
        ("mention", "@officer_wang"),
        ("hashtag", "#刷单"),
    ]
