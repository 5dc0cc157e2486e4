"""Judge a question and log it: the service every channel (Telegram, terminal) goes through."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import utcnow
from bot.content.loader import ContentBase
from bot.engine.decide import Engine
from bot.engine.inputs import InputProblem, input_problem
from bot.engine.verdict import Verdict
from bot.privacy import mask_text
from bot.services.replies import render_input_problem, render_verdict
from bot.storage import inquiries as store
from bot.storage.db import Database

# Words that show a question was about paying; a low-risk answer to one is worth an editor's look.
PAYMENT_WORDS = ("转账", "汇款", "付款", "打款", "转钱", "保证金", "手续费", "充值", "验证码", "pay", "transfer")


@dataclass(frozen=True)
class Answer:
    """What to tell the user, and whether it still has to be sent (a replayed update may already be answered)."""

    reply: str
    verdict: Verdict | None
    inquiry_id: int | None
    should_send: bool
    problem: InputProblem | None = None


class InquiryService:
    def __init__(self, db: Database, engine: Engine, *, mask_stored_text: bool = True,
                 retention_days: int = 90) -> None:
        self.db = db
        self.engine = engine
        self.mask_stored_text = mask_stored_text
        self.retention_days = retention_days

    @property
    def content(self) -> ContentBase:
        return self.engine.content

    def _stored(self, text: str) -> str:
        return mask_text(text) if self.mask_stored_text else text

    async def judge(self, text: str | None, *, lang: str, user_id: int | None = None, chat_id: int | None = None,
                    source: str = "text", update_id: int | None = None, channel: str = "telegram") -> Answer:
        """Verdict and reply for one message, logged once per update."""
        problem = input_problem(text)
        if problem:
            return Answer(render_input_problem(self.content, problem, lang), None, None, True, problem)
        assert text is not None
        started = time.perf_counter()
        verdict = self.engine.assess(text)
        latency_ms = (time.perf_counter() - started) * 1000
        reply = render_verdict(self.content, verdict, lang)
        stored = await store.add_inquiry(self.db, store.InquiryRecord(
            user_id=user_id, chat_id=chat_id, update_id=update_id, channel=channel, source=source,
            text=self._stored(text), normalised_text=self._stored(verdict.normalised_text), risk=verdict.risk,
            scam_type=verdict.scam_type, rule_id=verdict.rule_id, score=verdict.score, signals=verdict.signals,
            stage=verdict.stage, escalate=verdict.escalate, priority=verdict.priority, amount=verdict.amount,
            lang=lang, latency_ms=round(latency_ms, 3),
        ))
        # At most once: the row is born 'sending', so a replayed update whose reply may already have
        # gone out is logged once and not answered again.
        return Answer(reply, verdict, stored.id, should_send=stored.created)

    async def mark_sent(self, inquiry_id: int | None, ok: bool = True) -> None:
        if inquiry_id:
            await store.set_reply_state(self.db, inquiry_id, "sent" if ok else "failed")

    async def feedback(self, inquiry_id: int, user_id: int, helpful: bool, reason: str | None = None) -> bool:
        """Record feedback; False when the inquiry is not this user's (crafted callback)."""
        inquiry = await store.get_inquiry(self.db, inquiry_id)
        if not inquiry or inquiry["user_id"] != user_id:
            return False
        await store.add_feedback(self.db, inquiry_id, user_id, helpful, reason)
        return True

    async def owned_inquiry(self, inquiry_id: int, user_id: int) -> dict[str, object] | None:
        inquiry = await store.get_inquiry(self.db, inquiry_id)
        return inquiry if inquiry and inquiry["user_id"] == user_id else None

    async def is_repeat_asker(self, user_id: int, threshold: int, window_hours: float) -> bool:
        since = (utcnow() - timedelta(hours=window_hours)).isoformat(timespec="milliseconds")
        return await store.recent_risky_count(self.db, user_id, since) >= threshold

    async def misses(self, limit: int = 100) -> list[dict[str, object]]:
        words = tuple(self.engine.normaliser.keyword(w) for w in PAYMENT_WORDS)
        return await store.list_inquiries(self.db, misses=True, limit=limit, payment_words=words)

    async def purge_expired(self) -> int:
        cutoff = (utcnow() - timedelta(days=self.retention_days)).isoformat(timespec="milliseconds")
        return await store.purge_texts(self.db, cutoff)
