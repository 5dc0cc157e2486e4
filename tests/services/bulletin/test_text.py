"""The bulletin's words in Chinese and English, from the hand-computed figures."""

from __future__ import annotations

import pytest

from bot.content.texts import Texts
from bot.services.bulletin.area import Area
from bot.services.bulletin.figures import Change, FigureSettings, compute_figures
from bot.services.bulletin.text import BulletinText, BulletinTooLong, BulletinWriter, format_pct
from bot.services.bulletin.types import TypeCatalogue
from tests.services.bulletin.conftest import case
from tests.services.bulletin.handmade import W20, W23, history


@pytest.fixture
def writer(bulletin_texts: Texts, testland: Area, catalogue: TypeCatalogue) -> BulletinWriter:
    return BulletinWriter(bulletin_texts, testland, catalogue)


@pytest.fixture
def week23(writer: BulletinWriter, testland: Area) -> BulletinText:
    figures = compute_figures(history(), W23, testland, settings=FigureSettings(alert_min_cases=2))
    return writer.write(figures)


def test_chinese_bulletin_follows_the_fraud_map_layout(week23: BulletinText) -> None:
    paragraphs = week23.text["zh"].split("\n\n")
    assert paragraphs[0] == "【测试市反诈地图】2026-W23（2026年6月1日至7日）"
    assert paragraphs[1] == ("本周（2026年6月1日至7日），全市共接报电信网络诈骗案件10起，涉案金额1.15万元。"
                             "与前一周相比，案件数下降16.7%，涉案金额下降4.2%。")
    districts = paragraphs[2]
    assert "发案数居前的区县（市）是乙（6起）、丙（2起）和甲（2起）。" in districts
    assert "上升的有乙（4→6起）" in districts
    assert "降幅居前的是丙（5→2起）和甲（3→2起）" in districts
    assert "甲已连续3周环比下降" in districts
    assert paragraphs[3] == ("从发案地图看，案件最集中的乡镇（街道）是"
                             "乙乙一街道（3起）、乙乙二镇（3起）和甲甲一街道（2起）。")
    assert "虚假投资理财诈骗（50%）和冒充客服诈骗（30%），这2类合计占案件总数的80%" in paragraphs[4]
    assert "冒充公检法诈骗案件有所减少（6→0起）" in paragraphs[4]
    alert = paragraphs[5]
    assert "特别提醒：冒充客服诈骗案件上升最快，较前一周增加50%（2→3起）" in alert
    assert "受害人中女性占66.7%，年龄多在25岁至27岁之间。" in alert
    assert "防范提示：冒充客服诈骗的防范建议。" in alert
    assert "96110" in paragraphs[6] and "110" in paragraphs[6]


def test_english_bulletin_has_the_same_figures(week23: BulletinText) -> None:
    text = week23.text["en"]
    assert text.startswith("Testland fraud map, 2026-W23 (1–7 June 2026)")
    for fragment in ("10 reports", "CNY 11,500", "cases were down 16.7% and the amount down 4.2%",
                     "Yi (6), Bing (2) and Jia (2)", "Cases rose in Yi (4→6)", "Bing (5→2) and Jia (3→2)",
                     "Jia fell for 3 weeks in a row", "Yi One (Yi, 3), Yi Two (Yi, 3) and Jia One (Jia, 2)",
                     "fake investment (50%) and fake customer service (30%)", "2 types made up 80%",
                     "“fake customer service” rose fastest, up 50%", "Women made up 66.7% of the victims",
                     "aged 25 to 27", "Advice on fake customer service."):
        assert fragment in text


def test_no_chinese_left_in_the_english_text(week23: BulletinText) -> None:
    for text in (week23.text["en"], week23.caption["en"], *(d["en"] for d in week23.district_lines.values())):
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), text


def test_district_lines_for_subscribers(week23: BulletinText) -> None:
    lines = week23.district_lines
    assert set(lines) == {"a", "b", "c", "d"}
    assert lines["a"]["zh"] == ("【甲区】本周发案2起，在全市4个区县（市）中排第2位，较前一周下降33.3%，"
                                "已连续3周下降，案件最多的是甲一街道（2起）。")
    assert lines["b"]["en"] == ("[Yi District] 6 cases this week, ranked 1 of the 4 districts, "
                                "up 50% on the week before, most cases in Yi One (3).")
    assert lines["d"]["zh"] == "【丁市】本周未接报电信网络诈骗案件。"


def test_first_week_says_there_is_no_comparison(writer: BulletinWriter, testland: Area) -> None:
    result = writer.write(compute_figures(history(), W20, testland))
    assert "这是有记录的第一周，暂无环比数据。" in result.text["zh"]
    assert "first week on record" in result.text["en"]
    assert "上升" not in result.text["zh"].split("\n\n")[2]  # no rising/falling sentences
    assert "较前一周" not in result.district_lines["a"]["zh"]


def test_empty_week_reads_sensibly(writer: BulletinWriter, testland: Area) -> None:
    result = writer.write(compute_figures(history(), W23.shift(1), testland))
    zh = result.text["zh"]
    assert "案件0起，涉案金额0元" in zh and "案件数下降100%" in zh
    assert "本周各区县（市）均未接报案件。没有区县（市）发案数上升。" in zh
    assert "甲已连续4周环比下降；丙已连续2周环比下降" in zh
    assert "乡镇（街道）" not in zh and "诈骗类型" not in zh and "特别提醒" not in zh
    assert result.district_lines["b"]["zh"] == "【乙区】本周未接报电信网络诈骗案件，较前一周下降100%。"


def test_rise_from_an_empty_week(writer: BulletinWriter, testland: Area) -> None:
    figures = compute_figures([*history(), case("late", W23.shift(2).monday, "b")], W23.shift(2), testland)
    result = writer.write(figures)
    assert "案件数由零增加" in result.text["zh"]
    assert "cases were up from none" in result.text["en"]


def test_tied_hot_towns_say_each(writer: BulletinWriter, testland: Area) -> None:
    figures = compute_figures(history(), W23, testland, settings=FigureSettings(hot_towns=1))
    result = writer.write(figures)
    assert "是乙乙一街道和乙乙二镇，均为3起。" in result.text["zh"]
    assert "Yi One (Yi) and Yi Two (Yi), with 3 each." in result.text["en"]


def test_synthetic_data_is_announced(writer: BulletinWriter, testland: Area) -> None:
    result = writer.write(compute_figures([case("DEMO-1", W23.monday, "a")], W23, testland))
    assert "【演示数据】" in result.text["zh"].split("\n\n")[1]
    assert "[DEMO DATA]" in result.text["en"]


def test_amounts_in_wan_and_millions(writer: BulletinWriter) -> None:
    assert writer.amount(5_115_000, "zh") == "511.5万元"
    assert writer.amount(5_115_000, "en") == "CNY 5.12 million"
    assert writer.amount(11_500, "zh") == "1.15万元"
    assert writer.amount(1_200_000, "zh") == "120万元"
    assert writer.amount(8_500, "zh") == "8500元"
    assert writer.amount(8_500, "en") == "CNY 8,500"
    assert writer.amount(2_000_000, "en") == "CNY 2 million"


def test_change_words(writer: BulletinWriter) -> None:
    assert writer.change(Change(217, 256), "zh") == "下降15.2%"
    assert writer.change(Change(5, 4), "en") == "up 25%"
    assert writer.change(Change(4, 4), "zh") == "持平"
    assert writer.change(Change(3, 0), "zh") == "由零增加"


def test_percent_format() -> None:
    assert format_pct(97.0) == "97%"
    assert format_pct(68.25) == "68.2%"
    assert format_pct(-15.2) == "15.2%"


def test_too_long_a_bulletin_is_refused(bulletin_texts: Texts, testland: Area, catalogue: TypeCatalogue) -> None:
    entries = dict(bulletin_texts.entries)
    entries["bulletin.footer"] = {"zh": "长" * 3500, "en": "long " * 700}
    writer = BulletinWriter(Texts(entries), testland, catalogue)
    with pytest.raises(BulletinTooLong, match="4096"):
        writer.write(compute_figures(history(), W23, testland))


def test_every_bulletin_text_key_has_both_languages(bulletin_texts: Texts) -> None:
    keys = [k for k in bulletin_texts.entries if k.startswith("bulletin.")]
    assert len(keys) > 30
    assert all(bulletin_texts.entries[k]["zh"] and bulletin_texts.entries[k]["en"] for k in keys)
