"""Weekly bulletins: one per area and week, a draft until staff publish it, then frozen."""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from bot.clock import now_iso
from bot.storage.db import Database


@dataclass(frozen=True)
class StoredBulletin:
    id: int
    week: str
    area: str
    text_zh: str
    text_en: str
    district_lines: dict[str, dict[str, str]]  # district id -> lang -> the district's own line
    map_png: bytes | None
    trend_png: bytes | None
    created_at: str
    created_by: int | None
    published_at: str | None
    published_by: int | None

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_zh

    def district_line(self, district_id: str, lang: str) -> str | None:
        lines = self.district_lines.get(district_id)
        return None if lines is None else lines.get(lang, lines.get("zh"))


class BulletinAlreadyPublished(Exception):
    """A published bulletin has gone out to subscribers and is never rewritten."""

    def __init__(self, area: str, week: str) -> None:
        super().__init__(f"the {area} bulletin for {week} is already published and cannot be replaced")


_COLUMNS = (
    "id, week, area, text_zh, text_en, district_lines, map_png, trend_png, created_at, created_by, "
    "published_at, published_by"
)


def _bulletin(row: aiosqlite.Row) -> StoredBulletin:
    return StoredBulletin(
        id=row["id"],
        week=row["week"],
        area=row["area"],
        text_zh=row["text_zh"],
        text_en=row["text_en"],
        district_lines=json.loads(row["district_lines"]),
        map_png=row["map_png"],
        trend_png=row["trend_png"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        published_at=row["published_at"],
        published_by=row["published_by"],
    )


async def save_draft(
    db: Database,
    *,
    week: str,
    area: str,
    text_zh: str,
    text_en: str,
    district_lines: dict[str, dict[str, str]],
    map_png: bytes | None,
    trend_png: bytes | None,
    created_by: int | None = None,
) -> int:
    """Store the week's bulletin, replacing an unpublished draft; returns its id."""
    async with db.transaction() as tx:
        cursor = await tx.execute("SELECT id, published_at FROM bulletins WHERE week = ? AND area = ?", (week, area))
        row = await cursor.fetchone()
        values = (
            text_zh,
            text_en,
            json.dumps(district_lines, ensure_ascii=False),
            map_png,
            trend_png,
            now_iso(),
            created_by,
        )
        if row is None:
            cursor = await tx.execute(
                """INSERT INTO bulletins(week, area, text_zh, text_en, district_lines, map_png, trend_png,
                       created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (week, area, *values),
            )
            return cursor.lastrowid or 0
        if row["published_at"] is not None:
            raise BulletinAlreadyPublished(area, week)
        await tx.execute(
            """UPDATE bulletins SET text_zh = ?, text_en = ?, district_lines = ?, map_png = ?, trend_png = ?,
                   created_at = ?, created_by = ? WHERE id = ?""",
            (*values, row["id"]),
        )
        return int(row["id"])


async def get_bulletin(db: Database, bulletin_id: int) -> StoredBulletin | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM bulletins WHERE id = ?", (bulletin_id,))
    return None if row is None else _bulletin(row)


async def bulletin_for_week(db: Database, area: str, week: str) -> StoredBulletin | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM bulletins WHERE area = ? AND week = ?", (area, week))
    return None if row is None else _bulletin(row)


async def mark_published(db: Database, bulletin_id: int, published_by: int | None) -> bool:
    """Publish a draft; False when it was already published (a second press of the button)."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE bulletins SET published_at = ?, published_by = ? WHERE id = ? AND published_at IS NULL",
            (now_iso(), published_by, bulletin_id),
        )
        return cursor.rowcount == 1


async def latest_published(db: Database, area: str) -> StoredBulletin | None:
    row = await db.fetchone(
        f"""SELECT {_COLUMNS} FROM bulletins WHERE area = ? AND published_at IS NOT NULL
            ORDER BY week DESC LIMIT 1""",
        (area,),
    )
    return None if row is None else _bulletin(row)


async def is_published(db: Database, area: str, week: str) -> bool:
    """For the weekly reminder: has staff published this week's bulletin yet?"""
    value = await db.fetchval(
        "SELECT 1 FROM bulletins WHERE area = ? AND week = ? AND published_at IS NOT NULL", (area, week)
    )
    return value is not None
