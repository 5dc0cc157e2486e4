"""Bulletin subscriptions: who gets the weekly bulletin, in which language, for which districts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

from bot.clock import now_iso
from bot.storage.db import Database


@dataclass(frozen=True)
class Subscription:
    user_id: int
    chat_id: int
    districts: tuple[str, ...]  # empty: every district
    lang: str
    active: bool
    created_at: str
    updated_at: str

    @property
    def all_districts(self) -> bool:
        return not self.districts


def _subscription(row: aiosqlite.Row) -> Subscription:
    return Subscription(
        row["user_id"],
        row["chat_id"],
        tuple(json.loads(row["districts"])),
        row["lang"],
        bool(row["active"]),
        row["created_at"],
        row["updated_at"],
    )


async def subscribe(
    db: Database, user_id: int, chat_id: int, districts: Iterable[str] = (), lang: str = "zh"
) -> Subscription:
    """Start (or change, or renew) a user's subscription; no districts means all of them."""
    chosen = sorted(set(districts))
    now = now_iso()
    await db.execute(
        """INSERT INTO subscriptions(user_id, chat_id, districts, lang, active, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, ?, ?)
           ON CONFLICT(user_id) DO UPDATE SET chat_id = excluded.chat_id, districts = excluded.districts,
               lang = excluded.lang, active = 1, updated_at = excluded.updated_at""",
        (user_id, chat_id, json.dumps(chosen), lang, now, now),
    )
    subscription = await get_subscription(db, user_id)
    assert subscription is not None
    return subscription


async def unsubscribe(db: Database, user_id: int) -> bool:
    """Stop sending to the user; False if they had no active subscription."""
    return await deactivate(db, user_id)


async def deactivate(db: Database | aiosqlite.Connection, user_id: int) -> bool:
    """Mark a subscription inactive; takes a transaction's connection too, to join a larger change."""
    sql = "UPDATE subscriptions SET active = 0, updated_at = ? WHERE user_id = ? AND active = 1"
    if isinstance(db, Database):
        async with db.transaction() as tx:
            cursor = await tx.execute(sql, (now_iso(), user_id))
    else:
        cursor = await db.execute(sql, (now_iso(), user_id))
    return cursor.rowcount == 1


async def get_subscription(db: Database, user_id: int) -> Subscription | None:
    row = await db.fetchone("SELECT * FROM subscriptions WHERE user_id = ?", (user_id,))
    return None if row is None else _subscription(row)


async def list_active(db: Database) -> list[Subscription]:
    rows = await db.fetchall("SELECT * FROM subscriptions WHERE active = 1 ORDER BY user_id")
    return [_subscription(row) for row in rows]


async def count_active(db: Database) -> int:
    return int(await db.fetchval("SELECT COUNT(*) FROM subscriptions WHERE active = 1"))
