"""Recognised text boxes come back in reading order, one line per chat bubble."""

from __future__ import annotations

from bot.vision.layout import TextBox, reading_order

LINE = 44  # height of a printed line of chat text at phone resolution


def box(text: str, left: float, top: float, width: float = 600, height: float = LINE) -> TextBox:
    return TextBox(text, left, top, left + width, top + height)


def test_the_printed_lines_of_one_bubble_are_joined_without_spaces() -> None:
    bubble = [box("您好，我是上海市公安局刑侦支队", 184, 357), box("的民警，您的账户涉嫌洗钱", 185, 416)]

    assert reading_order(bubble) == ["您好，我是上海市公安局刑侦支队的民警，您的账户涉嫌洗钱"]


def test_a_phrase_cut_by_the_wrap_is_whole_again() -> None:
    bubble = [box("请把资金转到我们指定的安全", 184, 767), box("账户，不要告诉家人。", 184, 825, width=400)]

    assert "安全账户" in reading_order(bubble)[0]


def test_separate_bubbles_stay_separate_lines_in_top_to_bottom_order() -> None:
    boxes = [
        box("为了证明您的清白，请转到安全账户", 184, 767),
        box("啊？我没有做过这种事", 457, 618, width=440),
        box("您的银行账户涉嫌一起洗钱案件", 184, 357),
    ]

    assert reading_order(boxes) == [
        "您的银行账户涉嫌一起洗钱案件",
        "啊？我没有做过这种事",
        "为了证明您的清白，请转到安全账户",
    ]


def test_a_title_over_a_smaller_subtitle_is_not_merged_into_it() -> None:
    boxes = [box("95533", 472, 140, width=138, height=48), box("短信/彩信", 476, 208, width=129, height=37)]

    assert reading_order(boxes) == ["95533", "短信/彩信"]


def test_items_far_apart_on_one_row_stay_apart_and_close_ones_merge_with_a_space() -> None:
    boxes = [box("21:47", 47, 35, width=87, height=36), box("5G 82%", 878, 36, width=118, height=34),
             box("Your", 100, 500, width=90), box("account", 200, 502, width=150)]

    assert reading_order(boxes) == ["21:47", "5G 82%", "Your account"]


def test_wrapped_numbers_and_links_are_not_split_by_a_space() -> None:
    sms = [box("【建设银行】您的积分12", 99, 422), box("860即将清零，请登录 http://ccb-jf", 74, 482),
           box(".top/x 领取", 74, 543, width=300)]

    assert reading_order(sms) == ["【建设银行】您的积分12860即将清零，请登录 http://ccb-jf.top/x 领取"]


def test_wrapped_english_words_keep_their_space() -> None:
    message = [box("Your account has been", 100, 300), box("frozen, call now", 100, 358, width=400)]

    assert reading_order(message) == ["Your account has been frozen, call now"]


def test_two_columns_side_by_side_are_read_column_by_column() -> None:
    boxes = [box("左栏第一行", 50, 100, width=400), box("右栏第一行", 600, 100, width=400),
             box("左栏第二行", 50, 158, width=400), box("右栏第二行", 600, 158, width=400)]

    assert reading_order(boxes) == ["左栏第一行左栏第二行", "右栏第一行右栏第二行"]


def test_boxes_from_a_tilted_quad_use_their_upright_bounds() -> None:
    quad = [[110.0, 52.0], [410.0, 40.0], [412.0, 88.0], [112.0, 100.0]]

    assert TextBox.from_quad("安全账户", quad) == TextBox("安全账户", 110.0, 40.0, 412.0, 100.0)
