"""Errors an editor can cause in content files; the message names the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path


class ContentError(Exception):
    """Invalid content: raised at load time so the bot refuses to start on it."""

    def __init__(self, file: Path | str, message: str, *, rule: str | None = None, field: str | None = None,
                 line: int | None = None) -> None:
        self.file = str(file)
        self.rule = rule
        self.field = field
        self.line = line
        self.message = message
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.rule:
            parts.append(f"rule {self.rule}")
        if self.field:
            parts.append(f"field {self.field}")
        return f"{', '.join(parts)}: {self.message}"
