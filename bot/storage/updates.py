"""The update journal: every Telegram update is stored before it is confirmed, and replayed until done."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import now_iso
from bot.storage.db import Database

MAX_ATTEMPTS = 3


async def journal_updates(db: Database, updates: list[dict[str, Any]]) -> set[int]:
    """Store fetched updates (idempotent on update_id); returns the ids already finished earlier."""
    if not updates:
        return set()
    now = now_iso()
    ids = [u["update_id"] for u in updates]
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT OR IGNORE INTO updates(update_id, payload, received_at) VALUES (?, ?, ?)",
            [(u["update_id"], json.dumps(u, ensure_ascii=False), now) for u in updates],
        )
        marks = ",".join("?" * len(ids))
        cursor = await tx.execute(f"SELECT update_id FROM updates WHERE status != 'pending' AND update_id IN ({marks})",
                                  ids)
        return {row[0] for row in await cursor.fetchall()}


async def take_replay(db: Database) -> list[dict[str, Any]]:
    """Unfinished updates to process again, counting the attempt; ones that failed too often are given up."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE updates SET status = 'failed', finished_at = ? WHERE status = 'pending' "
                         "AND attempts >= ?", (now_iso(), MAX_ATTEMPTS))
        await tx.execute("UPDATE updates SET attempts = attempts + 1 WHERE status = 'pending'")
        cursor = await tx.execute("SELECT payload FROM updates WHERE status = 'pending' ORDER BY update_id")
        return [json.loads(row[0]) for row in await cursor.fetchall()]


async def finish_update(db: Database, update_id: int, status: str = "done") -> None:
    await db.execute("UPDATE updates SET status = ?, finished_at = ? WHERE update_id = ?",
                     (status, now_iso(), update_id))


async def purge_finished(db: Database, before_iso: str) -> int:
    async with db.transaction() as tx:
        cursor = await tx.execute("DELETE FROM updates WHERE status != 'pending' AND received_at < ?", (before_iso,))
        return cursor.rowcount
