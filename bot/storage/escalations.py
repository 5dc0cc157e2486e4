"""Staff-desk cases (escalations), their messages, the staff-chat posts that show them, and the audit log.

Every function takes the connection of a transaction the caller holds (`async with db.transaction() as tx`),
so a service can make several steps and the audit row one atomic write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import aiosqlite

from bot.clock import parse_iso
from bot.engine.verdict import Priority

Reason = Literal["user_request", "already_paid", "engine", "clue", "repeat"]
Status = Literal["open", "claimed", "closed", "cancelled"]
Outcome = Literal["prevented", "lost", "not_fraud", "other"]
Direction = Literal["user", "officer", "bot"]
PostKind = Literal["card", "announcement"]

PRIORITIES: tuple[Priority, ...] = ("urgent", "high", "normal")
REASONS: tuple[Reason, ...] = ("user_request", "already_paid", "engine", "clue", "repeat")
OUTCOMES: tuple[Outcome, ...] = ("prevented", "lost", "not_fraud", "other")
ACTIVE: tuple[Status, ...] = ("open", "claimed")
PRIORITY_RANK: dict[str, int] = {p: rank for rank, p in enumerate(PRIORITIES)}
_RANK_SQL = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END"
_QUEUE_ORDER = f"{_RANK_SQL}, created_at, id"
Conn = aiosqlite.Connection


def iso(moment: datetime) -> str:
    """The stored form of a timestamp: UTC ISO-8601 with milliseconds, so strings sort like times."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _when(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


@dataclass(frozen=True)
class SignalNote:
    """One signal of the verdict a case was escalated with, and the user's words that triggered it."""

    id: str
    label_zh: str
    label_en: str
    quote: str = ""

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True)
class VerdictSummary:
    """What the bot concluded, kept with the case so the card survives restarts and purged inquiries."""

    risk: str
    stage: str
    score: float
    scam_type: str | None = None
    title_zh: str | None = None
    title_en: str | None = None
    amount: float | None = None
    signals: tuple[SignalNote, ...] = ()

    def title(self, lang: str) -> str | None:
        return self.title_en if lang == "en" else self.title_zh

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> VerdictSummary | None:
        if not raw:
            return None
        data = json.loads(raw)
        data["signals"] = tuple(SignalNote(**s) for s in data.get("signals", ()))
        return cls(**data)


@dataclass(frozen=True)
class Case:
    id: int
    user_id: int
    chat_id: int
    display_name: str
    lang: str
    inquiry_id: int | None
    reason: Reason
    priority: Priority
    status: Status
    created_at: datetime
    claimed_by: int | None = None
    claimed_by_name: str | None = None
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: int | None = None
    outcome: Outcome | None = None
    amount: float | None = None
    note: str | None = None
    card_chat_id: int | None = None
    card_message_id: int | None = None
    topic_id: int | None = None
    announced_at: datetime | None = None
    announce_count: int = 0
    revealed: bool = False
    rating: int | None = None
    rated_at: datetime | None = None
    user_unreachable_at: datetime | None = None
    verdict: VerdictSummary | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def waiting(self, now: datetime) -> timedelta:
        """How long the user has waited for an officer (until the claim, or until now)."""
        end = self.claimed_at or self.closed_at or now
        return max(end - self.created_at, timedelta(0))

    @property
    def time_to_claim(self) -> timedelta | None:
        return self.claimed_at - self.created_at if self.claimed_at else None


@dataclass(frozen=True)
class CaseMessage:
    id: int
    case_id: int
    direction: Direction
    author_id: int | None
    text: str | None
    photo_file_id: str | None
    source_update_id: int | None
    relayed_at: datetime | None
    staff_message_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class NewCase:
    user_id: int
    chat_id: int
    display_name: str
    lang: str
    reason: Reason
    priority: Priority
    inquiry_id: int | None = None
    verdict: VerdictSummary | None = None


@dataclass(frozen=True)
class NewMessage:
    direction: Direction
    text: str | None = None
    photo_file_id: str | None = None
    author_id: int | None = None
    source_update_id: int | None = None
    staff_message_id: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int | None
    action: str
    case_id: int | None
    detail: str | None
    allowed: bool
    created_at: datetime


_CASE_COLUMNS = (
    "id, user_id, chat_id, display_name, lang, inquiry_id, reason, priority, status, created_at, "
    "claimed_by, claimed_by_name, claimed_at, closed_at, closed_by, outcome, amount, note, card_chat_id, "
    "card_message_id, topic_id, announced_at, announce_count, revealed, rating, rated_at, "
    "user_unreachable_at, verdict"
)
_MESSAGE_COLUMNS = (
    "id, escalation_id, direction, author_id, text, photo_file_id, source_update_id, relayed_at, "
    "staff_message_id, created_at"
)


def _case(row: aiosqlite.Row) -> Case:
    return Case(
        id=row["id"], user_id=row["user_id"], chat_id=row["chat_id"], display_name=row["display_name"],
        lang=row["lang"], inquiry_id=row["inquiry_id"], reason=row["reason"], priority=row["priority"],
        status=row["status"], created_at=parse_iso(row["created_at"]), claimed_by=row["claimed_by"],
        claimed_by_name=row["claimed_by_name"], claimed_at=_when(row["claimed_at"]),
        closed_at=_when(row["closed_at"]), closed_by=row["closed_by"], outcome=row["outcome"],
        amount=row["amount"], note=row["note"], card_chat_id=row["card_chat_id"],
        card_message_id=row["card_message_id"], topic_id=row["topic_id"],
        announced_at=_when(row["announced_at"]),
        announce_count=row["announce_count"], revealed=bool(row["revealed"]), rating=row["rating"],
        rated_at=_when(row["rated_at"]), user_unreachable_at=_when(row["user_unreachable_at"]),
        verdict=VerdictSummary.from_json(row["verdict"]),
    )


def _message(row: aiosqlite.Row) -> CaseMessage:
    return CaseMessage(
        id=row["id"], case_id=row["escalation_id"], direction=row["direction"], author_id=row["author_id"],
        text=row["text"], photo_file_id=row["photo_file_id"], source_update_id=row["source_update_id"],
        relayed_at=_when(row["relayed_at"]), staff_message_id=row["staff_message_id"],
        created_at=parse_iso(row["created_at"]),
    )


async def _one_case(conn: Conn, where: str, params: tuple[object, ...]) -> Case | None:
    cursor = await conn.execute(f"SELECT {_CASE_COLUMNS} FROM escalations WHERE {where} LIMIT 1", params)
    row = await cursor.fetchone()
    return _case(row) if row else None


async def _cases(conn: Conn, where: str, params: tuple[object, ...] = ()) -> list[Case]:
    cursor = await conn.execute(f"SELECT {_CASE_COLUMNS} FROM escalations WHERE {where}", params)
    return [_case(row) for row in await cursor.fetchall()]


# --- cases -------------------------------------------------------------------------------------------------

async def get_case(conn: Conn, case_id: int) -> Case | None:
    return await _one_case(conn, "id = ?", (case_id,))


async def active_case_for_user(conn: Conn, user_id: int) -> Case | None:
    return await _one_case(conn, "user_id = ? AND status IN ('open', 'claimed') ORDER BY id DESC", (user_id,))


async def insert_case(conn: Conn, new: NewCase, now: datetime) -> int:
    cursor = await conn.execute(
        """INSERT INTO escalations(user_id, chat_id, display_name, lang, inquiry_id, reason, priority, status,
           created_at, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)""",
        (new.user_id, new.chat_id, new.display_name, new.lang, new.inquiry_id, new.reason, new.priority,
         iso(now), new.verdict.to_json() if new.verdict else None),
    )
    return cursor.lastrowid or 0


async def update_case_request(conn: Conn, case_id: int, new: NewCase,
                              verdict: VerdictSummary | None) -> None:
    """A later request merged into an active case: `new` carries the merged priority and reason."""
    await conn.execute(
        """UPDATE escalations SET display_name = COALESCE(NULLIF(?, ''), display_name), lang = ?, chat_id = ?,
           inquiry_id = COALESCE(?, inquiry_id), priority = ?, reason = ?, verdict = ? WHERE id = ?""",
        (new.display_name, new.lang, new.chat_id, new.inquiry_id, new.priority, new.reason,
         verdict.to_json() if verdict else None, case_id),
    )


async def claim_case(conn: Conn, case_id: int, officer_id: int, officer_name: str,
                     now: datetime) -> bool:
    """Claim an open case; False when someone else got there first (or it is no longer open)."""
    cursor = await conn.execute(
        """UPDATE escalations SET status = 'claimed', claimed_by = ?, claimed_by_name = ?, claimed_at = ?
           WHERE id = ? AND status = 'open'""",
        (officer_id, officer_name, iso(now), case_id),
    )
    return cursor.rowcount == 1


async def close_case(conn: Conn, case_id: int, officer_id: int, outcome: Outcome,
                     amount: float | None, note: str | None, now: datetime) -> bool:
    cursor = await conn.execute(
        """UPDATE escalations SET status = 'closed', closed_by = ?, outcome = ?, amount = ?, note = ?,
           closed_at = ? WHERE id = ? AND status IN ('open', 'claimed')""",
        (officer_id, outcome, amount, note, iso(now), case_id),
    )
    return cursor.rowcount == 1


async def cancel_case(conn: Conn, case_id: int, now: datetime) -> bool:
    cursor = await conn.execute(
        """UPDATE escalations SET status = 'cancelled', closed_at = ?
           WHERE id = ? AND status IN ('open', 'claimed')""",
        (iso(now), case_id),
    )
    return cursor.rowcount == 1


async def add_post(conn: Conn, case_id: int, chat_id: int, message_id: int, kind: PostKind,
                   now: datetime) -> None:
    await conn.execute(
        """INSERT INTO desk_posts(chat_id, message_id, escalation_id, kind, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(chat_id, message_id) DO NOTHING""",
        (chat_id, message_id, case_id, kind, iso(now)),
    )


async def set_card(conn: Conn, case_id: int, chat_id: int, message_id: int,
                   topic_id: int | None, now: datetime) -> None:
    """The card now shown for the case (earlier cards stay findable through desk_posts)."""
    await conn.execute(
        """UPDATE escalations SET card_chat_id = ?, card_message_id = ?, topic_id = COALESCE(?, topic_id)
           WHERE id = ?""",
        (chat_id, message_id, topic_id, case_id),
    )
    await add_post(conn, case_id, chat_id, message_id, "card", now)


async def mark_announced(conn: Conn, case_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE escalations SET announced_at = ?, announce_count = announce_count + 1 WHERE id = ?",
        (iso(now), case_id),
    )


async def set_revealed(conn: Conn, case_id: int) -> None:
    await conn.execute("UPDATE escalations SET revealed = 1 WHERE id = ?", (case_id,))


async def set_rating(conn: Conn, case_id: int, user_id: int, rating: int, now: datetime) -> bool:
    """Only the case's own user, only once, only after it was closed."""
    cursor = await conn.execute(
        """UPDATE escalations SET rating = ?, rated_at = ?
           WHERE id = ? AND user_id = ? AND status = 'closed' AND rating IS NULL""",
        (rating, iso(now), case_id, user_id),
    )
    return cursor.rowcount == 1


async def mark_unreachable(conn: Conn, case_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE escalations SET user_unreachable_at = COALESCE(user_unreachable_at, ?) WHERE id = ?",
        (iso(now), case_id),
    )


async def active_cases(conn: Conn) -> list[Case]:
    """Open and claimed cases, urgent first, then high, then normal, oldest first."""
    return await _cases(conn, f"status IN ('open', 'claimed') ORDER BY {_QUEUE_ORDER}")


async def queue_position(conn: Conn, case: Case) -> int:
    """1 for the next open case an officer should take; counts only open cases ahead of this one."""
    cursor = await conn.execute(
        f"""SELECT COUNT(*) FROM escalations WHERE status = 'open' AND (
              {_RANK_SQL} < :rank OR ({_RANK_SQL} = :rank AND (created_at < :created
              OR (created_at = :created AND id < :id))))""",
        {"rank": PRIORITY_RANK[case.priority], "created": iso(case.created_at), "id": case.id},
    )
    row = await cursor.fetchone()
    return int(row[0]) + 1 if row else 1


async def due_for_announcement(conn: Conn, now: datetime,
                               waits: Mapping[str, timedelta]) -> list[Case]:
    """Open cases never announced, or unclaimed for longer than their priority's wait since the last time."""
    clauses = " OR ".join("(priority = ? AND announced_at <= ?)" for _ in PRIORITIES)
    params: list[object] = []
    for priority in PRIORITIES:
        params += [priority, iso(now - waits[priority])]
    where = f"status = 'open' AND (announced_at IS NULL OR {clauses}) ORDER BY {_QUEUE_ORDER}"
    return await _cases(conn, where, tuple(params))


async def find_by_post(conn: Conn, chat_id: int, message_id: int) -> Case | None:
    return await _one_case(
        conn, "id = (SELECT escalation_id FROM desk_posts WHERE chat_id = ? AND message_id = ?)",
        (chat_id, message_id),
    )


async def find_by_topic(conn: Conn, chat_id: int, topic_id: int) -> Case | None:
    return await _one_case(conn, "card_chat_id = ? AND topic_id = ? ORDER BY id DESC", (chat_id, topic_id))


async def find_by_staff_message(conn: Conn, chat_id: int, message_id: int) -> Case | None:
    """The case of a message shown in the staff chat: a relayed user message or an officer's own reply."""
    return await _one_case(
        conn,
        """card_chat_id = ? AND id IN (SELECT escalation_id FROM case_messages WHERE staff_message_id = ?)
           ORDER BY id DESC""",
        (chat_id, message_id),
    )


# --- messages ----------------------------------------------------------------------------------------------

async def get_message(conn: Conn, message_id: int) -> CaseMessage | None:
    cursor = await conn.execute(f"SELECT {_MESSAGE_COLUMNS} FROM case_messages WHERE id = ?", (message_id,))
    row = await cursor.fetchone()
    return _message(row) if row else None


async def message_for_update(conn: Conn, user_id: int, source_update_id: int) -> CaseMessage | None:
    """The message a user's update already became, in any of their cases (a replay after the case closed)."""
    cursor = await conn.execute(
        f"""SELECT {', '.join('m.' + c.strip() for c in _MESSAGE_COLUMNS.split(','))}
            FROM case_messages m JOIN escalations e ON e.id = m.escalation_id
            WHERE e.user_id = ? AND m.source_update_id = ? AND m.direction = 'user' LIMIT 1""",
        (user_id, source_update_id),
    )
    row = await cursor.fetchone()
    return _message(row) if row else None


async def add_message(conn: Conn, case_id: int, message: NewMessage, now: datetime, *,
                      relayed: bool = False) -> tuple[CaseMessage, bool]:
    """Insert once per (case, source update): returns the stored message and whether it is new."""
    cursor = await conn.execute(
        """INSERT INTO case_messages(escalation_id, direction, author_id, text, photo_file_id,
           source_update_id, relayed_at, staff_message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(escalation_id, source_update_id) DO NOTHING""",
        (case_id, message.direction, message.author_id, message.text, message.photo_file_id,
         message.source_update_id, iso(now) if relayed else None, message.staff_message_id, iso(now)),
    )
    if cursor.rowcount == 1:
        stored = await get_message(conn, cursor.lastrowid or 0)
        new = True
    else:
        found = await conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM case_messages WHERE escalation_id = ? AND source_update_id = ?",
            (case_id, message.source_update_id),
        )
        row = await found.fetchone()
        stored = _message(row) if row else None
        new = False
    if stored is None:
        raise RuntimeError(f"case message for case {case_id} vanished after insert")
    return stored, new


async def mark_relayed(conn: Conn, message_id: int, staff_message_id: int | None,
                       now: datetime) -> None:
    await conn.execute(
        """UPDATE case_messages SET relayed_at = COALESCE(relayed_at, ?),
           staff_message_id = COALESCE(?, staff_message_id) WHERE id = ?""",
        (iso(now), staff_message_id, message_id),
    )


async def case_messages(conn: Conn, case_id: int) -> list[CaseMessage]:
    cursor = await conn.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM case_messages WHERE escalation_id = ? ORDER BY id", (case_id,))
    return [_message(row) for row in await cursor.fetchall()]


async def pending_relays(conn: Conn) -> list[CaseMessage]:
    """Messages of active cases that were recorded but not yet passed on (the process died in between)."""
    cursor = await conn.execute(
        f"""SELECT {', '.join('m.' + c.strip() for c in _MESSAGE_COLUMNS.split(','))}
            FROM case_messages m JOIN escalations e ON e.id = m.escalation_id
            WHERE m.relayed_at IS NULL AND m.direction IN ('user', 'officer')
              AND e.status IN ('open', 'claimed') ORDER BY m.id""",
    )
    return [_message(row) for row in await cursor.fetchall()]


# --- audit -------------------------------------------------------------------------------------------------

async def write_audit(conn: Conn, actor_id: int | None, action: str, case_id: int | None,
                      detail: str | None, allowed: bool, now: datetime) -> None:
    await conn.execute(
        """INSERT INTO audit_log(actor_id, action, escalation_id, detail, allowed, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (actor_id, action, case_id, detail, int(allowed), iso(now)),
    )


async def audit_entries(conn: Conn, *, case_id: int | None = None,
                        limit: int = 200) -> list[AuditEntry]:
    """Newest first."""
    where, params = ("WHERE escalation_id = ?", (case_id, limit)) if case_id is not None else ("", (limit,))
    cursor = await conn.execute(
        f"""SELECT id, actor_id, action, escalation_id, detail, allowed, created_at FROM audit_log {where}
            ORDER BY id DESC LIMIT ?""",
        params,
    )
    return [AuditEntry(row["id"], row["actor_id"], row["action"], row["escalation_id"], row["detail"],
                       bool(row["allowed"]), parse_iso(row["created_at"])) for row in await cursor.fetchall()]


# --- statistics --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutcomeTotal:
    outcome: Outcome
    cases: int
    amount: float


async def count_inquiries(conn: Conn, start: datetime, end: datetime) -> int:
    cursor = await conn.execute("SELECT COUNT(*) FROM inquiries WHERE created_at >= ? AND created_at < ?",
                                (iso(start), iso(end)))
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def cases_opened(conn: Conn, start: datetime, end: datetime) -> dict[str, int]:
    """Cases opened in the window, by current status."""
    cursor = await conn.execute(
        "SELECT status, COUNT(*) FROM escalations WHERE created_at >= ? AND created_at < ? GROUP BY status",
        (iso(start), iso(end)),
    )
    return {row[0]: int(row[1]) for row in await cursor.fetchall()}


async def outcome_totals(conn: Conn, start: datetime, end: datetime) -> dict[str, OutcomeTotal]:
    """Cases closed in the window, by outcome, with the sum of their amounts."""
    cursor = await conn.execute(
        """SELECT outcome, COUNT(*), COALESCE(SUM(amount), 0) FROM escalations
           WHERE status = 'closed' AND closed_at >= ? AND closed_at < ? GROUP BY outcome""",
        (iso(start), iso(end)),
    )
    return {row[0]: OutcomeTotal(row[0], int(row[1]), float(row[2])) for row in await cursor.fetchall()}


async def claims_in(conn: Conn, start: datetime, end: datetime) -> list[Case]:
    """Cases claimed in the window (whatever became of them since)."""
    return await _cases(conn, "claimed_at >= ? AND claimed_at < ? ORDER BY id", (iso(start), iso(end)))


async def ratings_in(conn: Conn, start: datetime, end: datetime) -> list[int]:
    cursor = await conn.execute(
        """SELECT rating FROM escalations WHERE rating IS NOT NULL AND rated_at >= ? AND rated_at < ?
           ORDER BY id""",
        (iso(start), iso(end)),
    )
    return [int(row[0]) for row in await cursor.fetchall()]


async def purge_finished_case_texts(conn: Conn, before: datetime) -> int:
    """Retention: drop the words and notes of cases finished before `before`; outcomes stay for statistics."""
    cutoff = iso(before)
    cursor = await conn.execute(
        """UPDATE case_messages SET text = NULL
           WHERE text IS NOT NULL AND escalation_id IN (
               SELECT id FROM escalations WHERE status IN ('closed', 'cancelled') AND closed_at < ?)""",
        (cutoff,),
    )
    purged = cursor.rowcount
    await conn.execute(
        "UPDATE escalations SET note = NULL WHERE note IS NOT NULL AND status IN ('closed', 'cancelled') "
        "AND closed_at < ?", (cutoff,))
    return purged
