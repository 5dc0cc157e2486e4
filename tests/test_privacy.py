"""Masking of personal data, and the log filter that also removes the bot token."""

from __future__ import annotations

import io
import logging

import pytest

from bot.privacy import (
    REDACTED,
    RedactingFilter,
    install_log_redaction,
    mask_card,
    mask_id_number,
    mask_phone,
    mask_text,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(("text", "expected"), [
    ("我的手机13812345678，转了5000元", "我的手机138****5678，转了5000元"),
    ("call +86 138 1234 5678 now", "call +86 138 **** 5678 now"),
    ("+8613812345678", "+86138****5678"),
    ("0086-138-1234-5678", "0086-138-****-5678"),
    ("电话１３８１２３４５６７８", "电话１３８****５６７８"),
    ("13812345678X", "138****5678X"),
])
def test_mobile_numbers_keep_first_three_and_last_four(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("身份证110101199003071234。", "身份证110101********1234。"),
    ("ID 11010119900307123X ok", "ID 110101********123X ok"),
    ("110101 19900307 1234", "110101 ******** 1234"),
    ("老身份证110101900307123", "老身份证110101******123"),
])
def test_id_numbers_hide_the_birth_date(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("卡号6222021234567890123", "卡号***************0123"),
    ("6222 0212 3456 7890", "**** **** **** 7890"),
    ("6222-0212-3456-7890-123", "****-****-****-***0-123"),
    ("对公账户 12345678901234567890123", "对公账户 *******************0123"),
])
def test_bank_card_like_numbers_keep_the_last_four(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", [
    "转账5000元，手续费100000000元",
    "2024-06-15 下午3点",
    "打96110或110，银行95588",
    "chat -1001234567890 user 123456789 update 987654321",
    "订单号 12345678901234",  # 14 digits: no personal-number shape
    "1" * 40,
    "",
])
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_a_phone_next_to_an_amount_is_masked_without_swallowing_the_amount() -> None:
    assert mask_text("5000 138 1234 5678") == "5000 138 **** 5678"
    assert mask_text("2024-06-15 13812345678") == "2024-06-15 138****5678"
    assert mask_text("卡号 6222021234567890123 13812345678") == "卡号 ***************0123 138****5678"


def test_a_phone_inside_a_longer_digit_run_is_hidden_with_it() -> None:
    assert mask_text("流水2024061513812345678") == "流水***************5678"


def test_masking_twice_changes_nothing_more() -> None:
    once = mask_text("手机13812345678 身份证110101199003071234 卡6222021234567890123")
    assert mask_text(once) == once
    assert "12345678" not in once and "19900307" not in once


def test_single_number_helpers_mask_only_their_kind() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("6222021234567890123") == "6222021234567890123"
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_id_number("13812345678") == "13812345678"
    assert mask_card("6222 0212 3456 7890") == "**** **** **** 7890"
    assert mask_card("5000") == "5000"


def _captured_logger(name: str, secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.Logger(name)
    logger.addHandler(handler)
    install_log_redaction(secrets, logger)
    return logger, stream


def test_log_records_lose_the_token_and_personal_data_in_message_and_args() -> None:
    logger, stream = _captured_logger("redaction-args", [TOKEN])
    logger.warning("POST https://api.telegram.org/bot%s/getUpdates from %s", TOKEN, "13812345678")
    logger.warning(f"user wrote 身份证110101199003071234 to bot{TOKEN}")
    output = stream.getvalue()
    assert TOKEN not in output and "AAHdqTcv" not in output
    assert output.count(REDACTED) == 2
    assert "138****5678" in output and "110101********1234" in output


def test_tracebacks_in_log_records_are_redacted_too() -> None:
    logger, stream = _captured_logger("redaction-traceback", [TOKEN])
    try:
        raise RuntimeError(f"failed calling bot{TOKEN} for 13812345678")
    except RuntimeError:
        logger.exception("relay failed")
    output = stream.getvalue()
    assert "Traceback" in output and "relay failed" in output
    assert TOKEN not in output and "13812345678" not in output


def test_installing_again_replaces_the_filter_and_ignores_empty_secrets() -> None:
    logger, stream = _captured_logger("redaction-replace", ["", "old-secret-value"])
    install_log_redaction(["new-secret-value", "  "], logger)
    handler = logger.handlers[0]
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    logger.warning("old-secret-value new-secret-value plain")
    assert stream.getvalue().strip() == f"old-secret-value {REDACTED} plain"


def test_a_logger_without_handlers_gets_one_so_records_cannot_bypass_the_filter() -> None:
    logger = logging.Logger("redaction-bare")
    install_log_redaction([TOKEN], logger)
    assert len(logger.handlers) == 1
    assert any(isinstance(f, RedactingFilter) for f in logger.handlers[0].filters)


def test_the_root_handlers_get_the_filter_by_default() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    try:
        redacting = install_log_redaction([TOKEN])
        assert redacting in handler.filters
    finally:
        root.removeHandler(handler)
        for h in root.handlers:
            h.removeFilter(redacting)
