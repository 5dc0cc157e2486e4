"""Versioned schema migrations, recorded in `schema_migrations` and applied in order, in place.

Each migration is a list of statements (not a script: `executescript` would commit behind our back and
break the all-or-nothing upgrade). Never edit a released migration; append a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


CORE = Migration(
    1,
    "core: users, updates journal, inquiries, feedback",
    (
        """CREATE TABLE users (
            user_id INTEGER PRIMARY KEY,
            chat_id INTEGER,
            display_name TEXT NOT NULL DEFAULT '',
            lang TEXT,
            district TEXT,
            consent_at TEXT,
            blocked_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        # The updater confirms updates to Telegram before handlers run: journal each one first.
        """CREATE TABLE updates (
            update_id INTEGER PRIMARY KEY,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            finished_at TEXT
        )""",
        "CREATE INDEX updates_pending ON updates(status) WHERE status = 'pending'",
        """CREATE TABLE inquiries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER,
            chat_id INTEGER,
            update_id INTEGER UNIQUE,
            channel TEXT NOT NULL DEFAULT 'telegram',
            source TEXT NOT NULL DEFAULT 'text',
            text TEXT,
            normalised_text TEXT,
            risk TEXT NOT NULL,
            scam_type TEXT,
            rule_id TEXT,
            score REAL NOT NULL DEFAULT 0,
            signals TEXT NOT NULL DEFAULT '[]',
            stage TEXT NOT NULL,
            escalate INTEGER NOT NULL DEFAULT 0,
            priority TEXT,
            amount REAL,
            lang TEXT NOT NULL,
            latency_ms REAL,
            reply_state TEXT NOT NULL DEFAULT 'pending' CHECK (reply_state IN ('pending', 'sending', 'sent', 'failed')),
            created_at TEXT NOT NULL,
            purged_at TEXT
        )""",
        "CREATE INDEX inquiries_created ON inquiries(created_at)",
        "CREATE INDEX inquiries_user ON inquiries(user_id, created_at)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            inquiry_id INTEGER NOT NULL REFERENCES inquiries(id) ON DELETE CASCADE,
            user_id INTEGER,
            helpful INTEGER NOT NULL,
            reason TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (inquiry_id, user_id)
        )""",
    ),
)

DESK = Migration(
    2,
    "staff desk: escalations, case messages, audit log",
    (
        """CREATE TABLE escalations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            display_name TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL DEFAULT 'zh',
            inquiry_id INTEGER REFERENCES inquiries(id) ON DELETE SET NULL,
            reason TEXT NOT NULL,
            priority TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'normal')),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'closed', 'cancelled')),
            created_at TEXT NOT NULL,
            claimed_by INTEGER,
            claimed_by_name TEXT,
            claimed_at TEXT,
            closed_at TEXT,
            closed_by INTEGER,
            outcome TEXT,
            amount REAL,
            note TEXT,
            card_chat_id INTEGER,
            card_message_id INTEGER,
            topic_id INTEGER,
            announced_at TEXT,
            announce_count INTEGER NOT NULL DEFAULT 0,
            revealed INTEGER NOT NULL DEFAULT 0,
            rating INTEGER
        )""",
        "CREATE INDEX escalations_open ON escalations(status, priority, created_at)",
        "CREATE INDEX escalations_user ON escalations(user_id, status)",
        "CREATE UNIQUE INDEX escalations_card ON escalations(card_chat_id, card_message_id)",
        """CREATE TABLE case_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            escalation_id INTEGER NOT NULL REFERENCES escalations(id) ON DELETE CASCADE,
            direction TEXT NOT NULL CHECK (direction IN ('user', 'officer', 'bot')),
            author_id INTEGER,
            text TEXT,
            photo_file_id TEXT,
            source_update_id INTEGER,
            relayed_at TEXT,
            staff_message_id INTEGER,
            created_at TEXT NOT NULL,
            UNIQUE (escalation_id, source_update_id)
        )""",
        "CREATE INDEX case_messages_staff ON case_messages(staff_message_id)",
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            actor_id INTEGER,
            action TEXT NOT NULL,
            escalation_id INTEGER,
            detail TEXT,
            allowed INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""",
    ),
)

BULLETIN = Migration(
    3,
    "bulletin: case imports, cases, bulletins, subscriptions, broadcasts, deliveries",
    (
        """CREATE TABLE case_imports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            file_name TEXT NOT NULL,
            area TEXT NOT NULL,
            rows INTEGER NOT NULL,
            imported_by INTEGER,
            imported_at TEXT NOT NULL
        )""",
        """CREATE TABLE cases (
            case_id TEXT PRIMARY KEY,
            reported_on TEXT NOT NULL,
            district TEXT NOT NULL,
            town TEXT,
            scam_type TEXT NOT NULL,
            amount REAL NOT NULL,
            gender TEXT,
            age INTEGER,
            import_id INTEGER REFERENCES case_imports(id)
        )""",
        "CREATE INDEX cases_reported ON cases(reported_on)",
        """CREATE TABLE bulletins (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            week TEXT NOT NULL,
            area TEXT NOT NULL,
            text_zh TEXT NOT NULL,
            text_en TEXT NOT NULL,
            district_lines TEXT NOT NULL DEFAULT '{}',
            map_png BLOB,
            trend_png BLOB,
            created_at TEXT NOT NULL,
            created_by INTEGER,
            published_at TEXT,
            published_by INTEGER,
            UNIQUE (week, area)
        )""",
        """CREATE TABLE subscriptions (
            user_id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            districts TEXT NOT NULL DEFAULT '[]',
            lang TEXT NOT NULL DEFAULT 'zh',
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            bulletin_id INTEGER NOT NULL REFERENCES bulletins(id),
            status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'cancelled')),
            total INTEGER NOT NULL DEFAULT 0,
            progress_chat_id INTEGER,
            progress_message_id INTEGER,
            started_at TEXT NOT NULL,
            finished_at TEXT
        )""",
        """CREATE TABLE deliveries (
            broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            updated_at TEXT,
            PRIMARY KEY (broadcast_id, user_id)
        )""",
        "CREATE INDEX deliveries_status ON deliveries(broadcast_id, status)",
    ),
)

# A bulletin reaches a subscriber as two messages (map picture, then text): resuming after a crash must
# know which part went out, and which part's outcome is unknown because the process died while sending it.
DELIVERY_PARTS = Migration(
    4,
    "deliveries: parts sent and outcomes left unknown by an interruption",
    (
        "ALTER TABLE deliveries ADD COLUMN parts_done INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE deliveries ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0",
    ),
)

# The desk keeps a case reachable from every staff-chat message that shows it (the card, re-announcements),
# stores the verdict it was escalated with (the inquiry text may be purged), and lets the schema itself refuse
# a second active case for one user.
DESK_CARDS = Migration(
    5,
    "staff desk: posts per case, verdict summary, rating time, unreachable users, one active case per user",
    (
        "ALTER TABLE escalations ADD COLUMN verdict TEXT",
        "ALTER TABLE escalations ADD COLUMN rated_at TEXT",
        "ALTER TABLE escalations ADD COLUMN user_unreachable_at TEXT",
        """CREATE TABLE desk_posts (
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            escalation_id INTEGER NOT NULL REFERENCES escalations(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('card', 'announcement')),
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        )""",
        """CREATE UNIQUE INDEX escalations_one_active ON escalations(user_id)
           WHERE status IN ('open', 'claimed')""",
        "CREATE INDEX escalations_topic ON escalations(card_chat_id, topic_id)",
        "CREATE INDEX escalations_closed ON escalations(closed_at)",
        "CREATE INDEX escalations_claimed ON escalations(claimed_at)",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (CORE, DESK, BULLETIN, DELIVERY_PARTS, DESK_CARDS)


async def current_version(conn: aiosqlite.Connection) -> int:
    await conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    cursor = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(conn: aiosqlite.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Bring the schema up to date inside the caller's transaction; returns the new version."""
    version = await current_version(conn)
    for migration in migrations:
        if migration.version <= version:
            continue
        for statement in migration.statements:
            await conn.execute(statement)
        await conn.execute(
            "INSERT INTO schema_migrations(version, name) VALUES (?, ?)", (migration.version, migration.name)
        )
        version = migration.version
    return version
