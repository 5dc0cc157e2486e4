"""Broadcasts and their deliveries: one row per recipient, written before and after every send.

A delivery moves pending → sending → (pending, for its next part) → sent | failed | blocked.
`parts_done` counts the messages of the delivery that went out; `uncertain` marks a delivery one of whose
messages was being sent when the process died, so its outcome is unknown (see bot/services/broadcast.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import aiosqlite

from bot.clock import now_iso
from bot.storage.db import Database

DeliveryStatus = Literal["pending", "sending", "sent", "failed", "blocked"]
INTERRUPTED = "interrupted while sending: outcome unknown, not resent to avoid a duplicate"
UNSUBSCRIBED = "unsubscribed before delivery"  # a failed delivery that is really a skip


@dataclass(frozen=True)
class Broadcast:
    id: int
    bulletin_id: int
    status: str
    total: int
    progress_chat_id: int | None
    progress_message_id: int | None
    started_at: str
    finished_at: str | None


@dataclass(frozen=True)
class Delivery:
    broadcast_id: int
    user_id: int
    chat_id: int
    status: DeliveryStatus
    attempts: int
    parts_done: int
    uncertain: bool
    error: str | None


@dataclass(frozen=True)
class DeliveryCounts:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0  # unsubscribed before their turn came
    uncertain: int = 0  # a message whose outcome an interruption left unknown (see settle_interrupted)

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed + self.blocked + self.skipped

    @property
    def remaining(self) -> int:
        return self.pending + self.sending


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(
        row["id"],
        row["bulletin_id"],
        row["status"],
        row["total"],
        row["progress_chat_id"],
        row["progress_message_id"],
        row["started_at"],
        row["finished_at"],
    )


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        row["broadcast_id"],
        row["user_id"],
        row["chat_id"],
        row["status"],
        row["attempts"],
        row["parts_done"],
        bool(row["uncertain"]),
        row["error"],
    )


async def create_broadcast(
    db: Database, bulletin_id: int, recipients: Iterable[tuple[int, int]], progress_chat_id: int | None = None
) -> int:
    """The broadcast and one pending delivery per (user_id, chat_id), in one transaction.

    A bulletin is broadcast once: if it already has a broadcast, that one's id is returned unchanged.
    """
    rows = list(dict(recipients).items())  # one delivery per user
    async with db.transaction() as tx:
        cursor = await tx.execute("SELECT id FROM broadcasts WHERE bulletin_id = ? ORDER BY id LIMIT 1", (bulletin_id,))
        existing = await cursor.fetchone()
        if existing is not None:
            return int(existing[0])
        cursor = await tx.execute(
            "INSERT INTO broadcasts(bulletin_id, status, total, progress_chat_id, started_at) "
            "VALUES (?, 'running', ?, ?, ?)",
            (bulletin_id, len(rows), progress_chat_id, now_iso()),
        )
        broadcast_id = cursor.lastrowid or 0
        await tx.executemany(
            "INSERT INTO deliveries(broadcast_id, user_id, chat_id, status, updated_at) VALUES (?, ?, ?, 'pending', ?)",
            [(broadcast_id, user_id, chat_id, now_iso()) for user_id, chat_id in rows],
        )
    return broadcast_id


async def get_broadcast(db: Database, broadcast_id: int) -> Broadcast | None:
    row = await db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return None if row is None else _broadcast(row)


async def broadcast_for_bulletin(db: Database, bulletin_id: int) -> Broadcast | None:
    row = await db.fetchone("SELECT * FROM broadcasts WHERE bulletin_id = ? ORDER BY id LIMIT 1", (bulletin_id,))
    return None if row is None else _broadcast(row)


async def unfinished_broadcasts(db: Database) -> list[Broadcast]:
    rows = await db.fetchall("SELECT * FROM broadcasts WHERE status = 'running' ORDER BY id")
    return [_broadcast(row) for row in rows]


async def set_progress_message(db: Database, broadcast_id: int, chat_id: int, message_id: int) -> None:
    await db.execute(
        "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
        (chat_id, message_id, broadcast_id),
    )


async def finish_broadcast(db: Database, broadcast_id: int, status: str = "finished") -> None:
    await db.execute(
        "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = 'running'",
        (status, now_iso(), broadcast_id),
    )


async def deliveries(db: Database, broadcast_id: int, status: DeliveryStatus | None = None) -> list[Delivery]:
    if status is None:
        rows = await db.fetchall("SELECT * FROM deliveries WHERE broadcast_id = ? ORDER BY user_id", (broadcast_id,))
    else:
        rows = await db.fetchall(
            "SELECT * FROM deliveries WHERE broadcast_id = ? AND status = ? ORDER BY user_id",
            (broadcast_id, status),
        )
    return [_delivery(row) for row in rows]


async def counts(db: Database, broadcast_id: int) -> DeliveryCounts:
    rows = await db.fetchall(
        """SELECT status, COUNT(*), SUM(uncertain), SUM(error IS ?) FROM deliveries WHERE broadcast_id = ?
           GROUP BY status""",
        (UNSUBSCRIBED, broadcast_id),
    )
    by_status = {row[0]: int(row[1]) for row in rows}
    skipped = sum(int(row[3] or 0) for row in rows if row[0] == "failed")
    by_status["failed"] = by_status.get("failed", 0) - skipped
    return DeliveryCounts(uncertain=sum(int(row[2] or 0) for row in rows), skipped=skipped, **by_status)


async def mark_sending(db: Database, broadcast_id: int, user_id: int) -> None:
    """Recorded (and committed) before the message is handed to the sender."""
    await db.execute(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = ? "
        "WHERE broadcast_id = ? AND user_id = ?",
        (now_iso(), broadcast_id, user_id),
    )


async def mark_part_sent(db: Database, broadcast_id: int, user_id: int, parts_done: int, finished: bool) -> None:
    """A message went out: the delivery is sent, or pending its next message."""
    await db.execute(
        "UPDATE deliveries SET status = ?, parts_done = ?, error = NULL, updated_at = ? "
        "WHERE broadcast_id = ? AND user_id = ?",
        ("sent" if finished else "pending", parts_done, now_iso(), broadcast_id, user_id),
    )


async def mark_retry(db: Database, broadcast_id: int, user_id: int, error: str) -> None:
    """The message certainly did not go out (flood wait, refused connection): back to pending."""
    await db.execute(
        "UPDATE deliveries SET status = 'pending', error = ?, updated_at = ? WHERE broadcast_id = ? AND user_id = ?",
        (error, now_iso(), broadcast_id, user_id),
    )


async def mark_failed(db: Database, broadcast_id: int, user_id: int, error: str) -> None:
    await db.execute(
        "UPDATE deliveries SET status = 'failed', error = ?, updated_at = ? WHERE broadcast_id = ? AND user_id = ?",
        (error, now_iso(), broadcast_id, user_id),
    )


async def mark_blocked(db: Database, broadcast_id: int, user_id: int, error: str) -> None:
    """The user blocked the bot: the delivery ends and their subscription with it, in one transaction."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE deliveries SET status = 'blocked', error = ?, updated_at = ? "
            "WHERE broadcast_id = ? AND user_id = ?",
            (error, now_iso(), broadcast_id, user_id),
        )
        await tx.execute("UPDATE subscriptions SET active = 0, updated_at = ? WHERE user_id = ?", (now_iso(), user_id))


async def settle_interrupted(db: Database, broadcast_id: int, part_count: int) -> int:
    """Deliveries left 'sending' by a dead process: count the unknown message as done, never resend it.

    A delivery with messages still to go returns to pending (those are sent); one whose last message was
    the unknown one ends as failed with INTERRUPTED. Returns how many deliveries were settled.
    """
    now = now_iso()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            """UPDATE deliveries SET uncertain = 1, parts_done = parts_done + 1, updated_at = ?,
                   status = CASE WHEN parts_done + 1 >= ? THEN 'failed' ELSE 'pending' END,
                   error = CASE WHEN parts_done + 1 >= ? THEN ? ELSE error END
               WHERE broadcast_id = ? AND status = 'sending'""",
            (now, part_count, part_count, INTERRUPTED, broadcast_id),
        )
        return cursor.rowcount
