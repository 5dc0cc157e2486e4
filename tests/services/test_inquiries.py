"""The inquiry log: masking of personal data, retention, misses for editors, replayed updates."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import utcnow
from bot.engine.decide import Engine
from bot.privacy import install_log_redaction
from bot.services.inquiries import InquiryService
from bot.storage.db import Database

QUESTION = "客服打13812345678让我把钱转到6222021234567890123，说先交保证金才能退款"


async def test_phone_and_card_numbers_are_masked_in_what_is_stored(db: Database, engine: Engine) -> None:
    service = InquiryService(db, engine, mask_stored_text=True)
    answer = await service.judge(QUESTION, lang="zh", user_id=1, chat_id=1, update_id=10)
    row = await db.fetchone("SELECT text, normalised_text FROM inquiries WHERE id = ?", (answer.inquiry_id,))
    for stored in row:
        assert "13812345678" not in stored and "6222021234567890123" not in stored
    assert "5678" in row["text"]


async def test_a_replayed_update_is_logged_once_and_not_answered_again(db: Database, engine: Engine) -> None:
    service = InquiryService(db, engine)
    first = await service.judge(QUESTION, lang="zh", user_id=1, chat_id=1, update_id=11)
    again = await service.judge(QUESTION, lang="zh", user_id=1, chat_id=1, update_id=11)
    assert first.should_send and not again.should_send and first.inquiry_id == again.inquiry_id
    assert await db.fetchval("SELECT COUNT(*) FROM inquiries") == 1


async def test_retention_purges_old_texts_but_keeps_the_verdicts(db: Database, engine: Engine) -> None:
    service = InquiryService(db, engine, retention_days=30)
    await service.judge(QUESTION, lang="zh", user_id=1, chat_id=1, update_id=12)
    await service.judge("今天天气不错", lang="zh", user_id=1, chat_id=1, update_id=13)
    old = (utcnow() - timedelta(days=31)).isoformat()
    await db.execute("UPDATE inquiries SET created_at = ? WHERE update_id = 12", (old,))
    assert await service.purge_expired() == 1
    row = await db.fetchone("SELECT text, risk, scam_type FROM inquiries WHERE update_id = 12")
    assert row["text"] is None and row["risk"] != "low" and row["scam_type"]
    assert await db.fetchval("SELECT text FROM inquiries WHERE update_id = 13") == "今天天气不错"


async def test_misses_list_low_risk_payment_talk_and_unhelpful_answers(db: Database, engine: Engine) -> None:
    service = InquiryService(db, engine)
    paid_talk = await service.judge("我给房东转账交房租了", lang="zh", user_id=1, chat_id=1, update_id=20)
    flagged = await service.judge(QUESTION, lang="zh", user_id=1, chat_id=1, update_id=21)
    await service.feedback(flagged.inquiry_id, 1, False, "wrong")
    assert not await service.feedback(flagged.inquiry_id, 2, True), "another user's inquiry is not theirs to rate"
    ids = {row["id"] for row in await service.misses()}
    assert ids == {paid_talk.inquiry_id, flagged.inquiry_id}


def test_the_token_never_reaches_a_log(caplog) -> None:
    token = "123456:SECRET-token-value"
    install_log_redaction([token], logging.getLogger("fraudbot.test"))
    logger = logging.getLogger("fraudbot.test")
    with caplog.at_level(logging.INFO, logger="fraudbot.test"):
        logger.info("calling https://api.telegram.org/bot%s/getMe for 13812345678", token)
    text = caplog.text
    assert token not in text and "SECRET" not in text and "13812345678" not in text
