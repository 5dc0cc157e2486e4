"""Schema migrations upgrade an existing database in place and are recorded."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from bot.storage.db import Database
from bot.storage.migrations import MIGRATIONS, apply_migrations


async def test_old_database_is_upgraded_in_place_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path) as conn:
        await apply_migrations(conn, MIGRATIONS[:1])
        await conn.execute("INSERT INTO users(user_id, created_at, updated_at) VALUES (1, 'x', 'x')")
        await conn.commit()
    async with Database(path) as db:
        versions = [r[0] for r in await db.fetchall("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == [m.version for m in MIGRATIONS]
        assert await db.fetchval("SELECT COUNT(*) FROM users") == 1
        assert await db.fetchval("SELECT COUNT(*) FROM escalations") == 0
        assert await db.fetchval("PRAGMA journal_mode") == "wal"


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with Database(path):
        pass
    async with Database(path) as db:
        assert await db.fetchval("SELECT COUNT(*) FROM schema_migrations") == len(MIGRATIONS)
