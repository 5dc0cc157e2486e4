"""SQLite storage through aiosqlite: one connection, versioned migrations, one module per table family."""

from bot.storage.db import Database

__all__ = ["Database"]
