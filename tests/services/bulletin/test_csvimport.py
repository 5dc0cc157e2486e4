"""The case export: row-by-row validation by line and field, all-or-nothing import, duplicate ids."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.bulletin.area import Area
from bot.services.bulletin.csvimport import CaseFileError, import_case_file, parse_amount, parse_cases
from bot.storage import cases as case_store
from bot.storage.cases import CaseAreaConflict
from bot.storage.db import Database
from bot.taxonomy import SCAM_TYPES

TODAY = date(2026, 7, 1)
HEADER = "case_id,reported_on,district,town,scam_type,amount,victim_gender,victim_age\n"
GOOD = HEADER + (
    "C1,2026-06-01,甲区,甲一街道,investment,\"12,000\",F,34\n"
    "C2,2026-06-02,b,Yi Two,fake_customer_service,800元,女,25岁\n"
    "C3,2026/6/3,Bing,,task_rebate,1.5万,,\n"
)


def parse(text: str | bytes, area: Area, **kwargs: object):
    return parse_cases(text, area, SCAM_TYPES, file_name="cases.csv", today=TODAY, **kwargs)


def errors_of(text: str | bytes, area: Area) -> list[tuple[int, str]]:
    with pytest.raises(CaseFileError) as error:
        parse(text, area)
    return [(e.line, e.field) for e in error.value.errors]


def test_a_good_export_is_read_with_names_normalised(testland: Area) -> None:
    cases = parse(GOOD, testland)
    assert [(c.case_id, c.reported_on, c.district, c.town, c.scam_type, c.amount, c.gender, c.age) for c in cases] == [
        ("C1", date(2026, 6, 1), "a", "甲一街道", "investment", 12_000, "F", 34),
        ("C2", date(2026, 6, 2), "b", "乙二镇", "fake_customer_service", 800, "F", 25),
        ("C3", date(2026, 6, 3), "c", None, "task_rebate", 15_000, None, None),
    ]


def test_chinese_headers_bom_and_gb18030_are_accepted(testland: Area) -> None:
    chinese = ("案件编号,报案日期,区县,乡镇街道,诈骗类型,涉案金额,性别,年龄\n"
               "C1,2026-06-01,甲区,甲一街道,investment,100,男,40\n")
    assert parse(chinese.encode("utf-8-sig"), testland)[0].gender == "M"
    assert parse(chinese.encode("gb18030"), testland)[0].district == "a"


def test_optional_columns_may_be_left_out(testland: Area) -> None:
    cases = parse("case_id,reported_on,district,scam_type,amount\nC1,2026-06-01,a,romance,5\n", testland)
    assert (cases[0].town, cases[0].gender, cases[0].age) == (None, None, None)


def test_comment_and_blank_lines_are_skipped_but_counted(testland: Area) -> None:
    text = "# SYNTHETIC\n\n" + HEADER + "\nC1,2026-06-01,a,,investment,1,F,30\nC2,2026-06-01,zz,,investment,1,F,30\n"
    assert errors_of(text, testland) == [(6, "district")]


def test_every_bad_row_is_reported_by_line_and_field(testland: Area) -> None:
    text = HEADER + (
        "C1,2026-06-01,a,甲一街道,investment,100,F,30\n"  # line 2: fine
        "C2,2026-13-01,a,,investment,100,F,30\n"  # line 3: no 13th month
        "C3,2026-06-01,杭州,,investment,100,F,30\n"  # line 4: not a district here
        "C4,2026-06-01,a,乙一街道,investment,100,F,30\n"  # line 5: a town of b, not a
        "C5,2026-06-01,a,,pig_butchering,100,F,30\n"  # line 6: not a taxonomy id
        "C6,2026-06-01,a,,investment,-5,F,30\n"  # line 7: negative amount
        "C7,2026-06-01,a,,investment,100,X,30\n"  # line 8: gender
        "C8,2026-06-01,a,,investment,100,F,200\n"  # line 9: age
        ",2026-06-01,a,,investment,100,F,30\n"  # line 10: no id
        "C1,2026-06-02,a,,investment,100,F,30\n"  # line 11: id already on line 2
        "C9,2026-07-02,a,,investment,100,F,30\n"  # line 12: after today
        "C10,2026-06-01,a,,investment,abc,F,thirty\n"  # line 13: two bad fields
    )
    assert errors_of(text, testland) == [
        (3, "reported_on"), (4, "district"), (5, "town"), (6, "scam_type"), (7, "amount"), (8, "victim_gender"),
        (9, "victim_age"), (10, "case_id"), (11, "case_id"), (12, "reported_on"), (13, "amount"), (13, "victim_age"),
    ]


def test_error_messages_say_what_is_wrong(testland: Area) -> None:
    with pytest.raises(CaseFileError) as error:
        parse(HEADER + "C1,2026-06-01,a,,investment,100,F,30\nC1,2026-06-01,a,,pig,100,F,30\n", testland)
    assert str(error.value).startswith("cases.csv: line 3, field scam_type: 'pig' is not a scam type id")
    assert "(and 1 more); nothing was imported" in str(error.value)
    described = error.value.describe()
    assert "line 3, field case_id: case id 'C1' is already on line 2" in described


def test_quoted_fields_with_newlines_keep_line_numbers_right(testland: Area) -> None:
    text = HEADER + 'C1,2026-06-01,a,"甲一\n街道",investment,1,F,30\nC2,2026-06-01,zz,,investment,1,F,30\n'
    assert errors_of(text, testland) == [(2, "town"), (4, "district")]


def test_header_problems(testland: Area) -> None:
    assert errors_of("case_id,reported_on,district,amount,colour\n", testland) == [(1, "header"), (1, "header")]
    assert errors_of("", testland) == [(1, "file")]
    assert errors_of(HEADER, testland) == [(1, "file")]
    assert errors_of(b"\xff\xfe\x00\x00garbage\x81", testland) == [(1, "file")]


def test_a_row_with_too_many_cells(testland: Area) -> None:
    assert errors_of(HEADER + "C1,2026-06-01,a,,investment,1,F,30,extra\n", testland) == [(2, "row")]


def test_report_times_with_an_offset_are_moved_into_the_area_time_zone(testland: Area) -> None:
    text = HEADER + "C1,2026-06-07T17:30:00+00:00,a,,investment,1,,\nC2,2026-06-07 23:30,a,,investment,1,,\n"
    first, second = parse(text, testland)
    assert first.reported_on == date(2026, 6, 8)  # already Monday in Ningbo time
    assert second.reported_on == date(2026, 6, 7)  # no offset: local time


def test_amount_formats() -> None:
    assert parse_amount("1,234.5") == 1234.5
    assert parse_amount("¥800") == 800
    assert parse_amount("2万") == 20_000
    for bad in ("", "abc", "-1", "nan", "inf"):
        with pytest.raises(ValueError):
            parse_amount(bad)


def test_too_many_errors_are_cut_short(testland: Area) -> None:
    text = HEADER + "".join(f"C{i},2026-06-01,zz,,investment,1,,\n" for i in range(80))
    with pytest.raises(CaseFileError) as error:
        parse(text, testland)
    assert len(error.value.errors) == 50 and error.value.truncated


async def test_import_stores_every_row_in_one_transaction(db: Database, testland: Area) -> None:
    summary = await import_case_file(db, GOOD.encode(), testland, SCAM_TYPES, file_name="w23.csv", today=TODAY)
    assert (summary.rows, summary.new, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    stored = await case_store.cases_between(db, "testland", date(2026, 6, 1), date(2026, 6, 7))
    assert sorted(c.case_id for c in stored) == ["C1", "C2", "C3"]
    row = await db.fetchone("SELECT file_name, area, rows FROM case_imports WHERE id = ?", (summary.import_id,))
    assert tuple(row) == ("w23.csv", "testland", 3)


async def test_a_bad_row_keeps_the_whole_file_out(db: Database, testland: Area) -> None:
    bad = GOOD + "C4,2026-06-04,a,,investment,oops,F,30\n"
    with pytest.raises(CaseFileError):
        await import_case_file(db, bad.encode(), testland, SCAM_TYPES, file_name="bad.csv", today=TODAY)
    assert await db.fetchval("SELECT COUNT(*) FROM cases") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM case_imports") == 0


async def test_reimporting_counts_each_case_once_and_takes_corrections(db: Database, testland: Area) -> None:
    await import_case_file(db, GOOD.encode(), testland, SCAM_TYPES, file_name="w23.csv", today=TODAY)
    corrected = GOOD.replace("1.5万", "2万") + "C4,2026-06-04,d,,romance,10,M,50\n"
    summary = await import_case_file(db, corrected.encode(), testland, SCAM_TYPES, file_name="w23b.csv",
                                     today=TODAY)
    assert (summary.new, summary.updated, summary.unchanged) == (1, 1, 2)
    assert await case_store.count_cases(db, "testland") == 4
    stored = {c.case_id: c for c in await case_store.cases_between(db, "testland", date(2026, 6, 1),
                                                                    date(2026, 6, 7))}
    assert stored["C3"].amount == 20_000


async def test_case_ids_of_another_area_abort_the_import(db: Database, testland: Area, ningbo: Area) -> None:
    await import_case_file(db, GOOD.encode(), testland, SCAM_TYPES, file_name="t.csv", today=TODAY)
    other = HEADER + "X1,2026-06-01,海曙,,investment,1,,\nC1,2026-06-01,海曙,,investment,1,,\n"
    with pytest.raises(CaseAreaConflict, match="C1 \\(testland\\)"):
        await import_case_file(db, other.encode(), ningbo, SCAM_TYPES, file_name="n.csv", today=TODAY)
    assert await case_store.count_cases(db, "ningbo") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM case_imports") == 1
