"""Users: language, district, consent, blocked state."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import now_iso
from bot.storage.db import Database


@dataclass(frozen=True)
class User:
    user_id: int
    chat_id: int | None
    display_name: str
    lang: str | None
    district: str | None
    consent_at: str | None
    blocked_at: str | None


async def upsert_user(db: Database, user_id: int, chat_id: int | None, display_name: str) -> None:
    now = now_iso()
    await db.execute(
        """INSERT INTO users(user_id, chat_id, display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(user_id) DO UPDATE SET chat_id = COALESCE(excluded.chat_id, users.chat_id),
           display_name = excluded.display_name, updated_at = excluded.updated_at, blocked_at = NULL""",
        (user_id, chat_id, display_name, now, now),
    )


async def get_user(db: Database, user_id: int) -> User | None:
    row = await db.fetchone(
        "SELECT user_id, chat_id, display_name, lang, district, consent_at, blocked_at FROM users WHERE user_id = ?",
        (user_id,),
    )
    return User(**dict(row)) if row else None


async def set_lang(db: Database, user_id: int, lang: str) -> None:
    await db.execute("UPDATE users SET lang = ?, updated_at = ? WHERE user_id = ?", (lang, now_iso(), user_id))


async def record_consent(db: Database, user_id: int) -> None:
    await db.execute("UPDATE users SET consent_at = COALESCE(consent_at, ?) WHERE user_id = ?", (now_iso(), user_id))
