"""Inquiries (every question and its verdict) and the feedback on them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.clock import now_iso
from bot.storage.db import Database


@dataclass(frozen=True)
class InquiryRecord:
    user_id: int | None
    chat_id: int | None
    update_id: int | None
    channel: str
    source: str
    text: str | None
    normalised_text: str | None
    risk: str
    scam_type: str | None
    rule_id: str | None
    score: float
    signals: list[str]
    stage: str
    escalate: bool
    priority: str | None
    amount: float | None
    lang: str
    latency_ms: float


@dataclass(frozen=True)
class StoredInquiry:
    id: int
    reply_state: str
    created: bool


INQUIRY_COLUMNS = (
    "id, user_id, chat_id, channel, source, text, risk, scam_type, rule_id, score, signals, stage, escalate, "
    "priority, amount, lang, latency_ms, reply_state, created_at"
)


async def add_inquiry(db: Database, record: InquiryRecord, reply_state: str = "sending") -> StoredInquiry:
    """Insert, or return the existing row for a replayed update (keyed by update_id)."""
    row = await db.fetchone(
        """INSERT INTO inquiries(user_id, chat_id, update_id, channel, source, text, normalised_text, risk,
           scam_type, rule_id, score, signals, stage, escalate, priority, amount, lang, latency_ms, reply_state,
           created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(update_id) DO NOTHING RETURNING id""",
        (record.user_id, record.chat_id, record.update_id, record.channel, record.source, record.text,
         record.normalised_text, record.risk, record.scam_type, record.rule_id, record.score,
         json.dumps(record.signals), record.stage, int(record.escalate), record.priority, record.amount,
         record.lang, record.latency_ms, reply_state, now_iso()),
    )
    if row is not None:
        return StoredInquiry(row[0], reply_state, created=True)
    existing = await db.fetchone("SELECT id, reply_state FROM inquiries WHERE update_id = ?", (record.update_id,))
    assert existing is not None
    return StoredInquiry(existing[0], existing[1], created=False)


async def set_reply_state(db: Database, inquiry_id: int, state: str) -> None:
    await db.execute("UPDATE inquiries SET reply_state = ? WHERE id = ?", (state, inquiry_id))


async def get_inquiry(db: Database, inquiry_id: int) -> dict[str, object] | None:
    row = await db.fetchone(f"SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE id = ?", (inquiry_id,))
    return dict(row) if row else None


async def add_feedback(db: Database, inquiry_id: int, user_id: int, helpful: bool, reason: str | None) -> None:
    await db.execute(
        """INSERT INTO feedback(inquiry_id, user_id, helpful, reason, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(inquiry_id, user_id) DO UPDATE SET helpful = excluded.helpful,
           reason = COALESCE(excluded.reason, feedback.reason), created_at = excluded.created_at""",
        (inquiry_id, user_id, int(helpful), reason, now_iso()),
    )


async def recent_risky_count(db: Database, user_id: int, since_iso: str) -> int:
    return int(await db.fetchval(
        "SELECT COUNT(*) FROM inquiries WHERE user_id = ? AND created_at >= ? AND risk != 'low'",
        (user_id, since_iso),
    ) or 0)


async def list_inquiries(db: Database, *, misses: bool = False, limit: int = 100,
                         payment_words: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Newest first; with `misses`, low-risk answers to payment talk and answers marked not helpful."""
    if not misses:
        rows = await db.fetchall(f"SELECT {INQUIRY_COLUMNS} FROM inquiries ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]
    payment_clause = " OR ".join("i.normalised_text LIKE ?" for _ in payment_words) or "0"
    rows = await db.fetchall(
        f"""SELECT {', '.join('i.' + c.strip() for c in INQUIRY_COLUMNS.split(','))},
               f.reason AS feedback_reason,
               CASE WHEN f.helpful = 0 THEN 'not helpful' ELSE 'low risk but talks about paying' END AS why
            FROM inquiries i LEFT JOIN feedback f ON f.inquiry_id = i.id
            WHERE f.helpful = 0 OR (i.risk = 'low' AND ({payment_clause}))
            ORDER BY i.id DESC LIMIT ?""",
        (*[f"%{w}%" for w in payment_words], limit),
    )
    return [dict(r) for r in rows]


async def inquiry_stats(db: Database, since_iso: str) -> dict[str, object]:
    total = await db.fetchval("SELECT COUNT(*) FROM inquiries WHERE created_at >= ?", (since_iso,))
    by_risk = await db.fetchall(
        "SELECT risk, COUNT(*) AS n FROM inquiries WHERE created_at >= ? GROUP BY risk ORDER BY n DESC", (since_iso,))
    by_type = await db.fetchall(
        """SELECT COALESCE(scam_type, '-') AS scam_type, COUNT(*) AS n FROM inquiries WHERE created_at >= ?
           GROUP BY scam_type ORDER BY n DESC""", (since_iso,))
    escalated = await db.fetchval(
        "SELECT COUNT(*) FROM escalations WHERE created_at >= ?", (since_iso,))
    helpful = await db.fetchone(
        "SELECT SUM(helpful) AS yes, COUNT(*) AS n FROM feedback WHERE created_at >= ?", (since_iso,))
    return {
        "inquiries": int(total or 0),
        "by_risk": {r["risk"]: r["n"] for r in by_risk},
        "by_type": {r["scam_type"]: r["n"] for r in by_type},
        "escalations": int(escalated or 0),
        "feedback": int(helpful["n"] or 0) if helpful else 0,
        "helpful": int(helpful["yes"] or 0) if helpful else 0,
    }


async def purge_texts(db: Database, before_iso: str) -> int:
    """Drop the text of inquiries older than the retention window; verdict fields stay for statistics."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            """UPDATE inquiries SET text = NULL, normalised_text = NULL, purged_at = ?
               WHERE created_at < ? AND purged_at IS NULL""",
            (now_iso(), before_iso),
        )
        return cursor.rowcount
