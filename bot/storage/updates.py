"""The update journal: every Telegram update is stored before it is confirmed, and replayed until done."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import now_iso
from bot.storage.db import Database

MAX_ATTEMPTS = 3


async def journal_updates(db: Database, updates: list[dict[str, Any]]) -> None:
    """Store fetched updates (idempotent on update_id) in one transaction."""
    if not updates:
        return
    now = now_iso()
    await db.executemany(
        "INSERT OR IGNORE INTO updates(update_id, payload, received_at) VALUES (?, ?, ?)",
        [(u["update_id"], json.dumps(u, ensure_ascii=False), now) for u in updates],
    )


async def begin_attempt(db: Database, update_id: int) -> bool:
    """Count an attempt; False when the update is already done or has failed too often."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE updates SET attempts = attempts + 1 WHERE update_id = ? AND status = 'pending' AND attempts < ?",
            (update_id, MAX_ATTEMPTS),
        )
        if cursor.rowcount:
            return True
        cursor = await tx.execute("SELECT status FROM updates WHERE update_id = ?", (update_id,))
        row = await cursor.fetchone()
        if row is None:
            return True
        if row[0] == "pending":
            await tx.execute("UPDATE updates SET status = 'failed', finished_at = ? WHERE update_id = ?",
                             (now_iso(), update_id))
        return False


async def finish_update(db: Database, update_id: int, status: str = "done") -> None:
    await db.execute("UPDATE updates SET status = ?, finished_at = ? WHERE update_id = ?",
                     (status, now_iso(), update_id))


async def pending_updates(db: Database) -> list[dict[str, Any]]:
    rows = await db.fetchall("SELECT payload FROM updates WHERE status = 'pending' ORDER BY update_id")
    return [json.loads(row["payload"]) for row in rows]


async def last_update_id(db: Database) -> int | None:
    return await db.fetchval("SELECT MAX(update_id) FROM updates")


async def purge_finished(db: Database, before_iso: str) -> int:
    async with db.transaction() as tx:
        cursor = await tx.execute("DELETE FROM updates WHERE status != 'pending' AND received_at < ?", (before_iso,))
        return cursor.rowcount
