"""The YAML configuration: one validated model; errors name the key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.content.errors import ContentError
from bot.content.yamlfile import read_yaml

TOKEN_ENV = "FRAUDBOT_TOKEN"


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message names the file and the key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateLimit(Section):
    # Replies answer the user's own messages, so no overall cap (0); bulk sends use the broadcast limiter.
    overall_max_rate: float = Field(default=0, ge=0)
    overall_time_period: float = 1
    group_max_rate: float = 20
    group_time_period: float = 60
    max_retries: int = 3


class Webhook(Section):
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "telegram"
    url: str = ""
    secret_token: str = ""


class TelegramConfig(Section):
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: float = 10
    concurrent_updates: int = Field(default=64, ge=1, le=1024)
    # Requests in flight at once. Each request scans the whole pool, so more is not free: a nearby Bot API
    # server needs few; the public one (~100 ms away) needs more for the same throughput.
    connections: int = Field(default=32, ge=1, le=512)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    webhook: Webhook = Field(default_factory=Webhook)
    connect_timeout: float = 10
    read_timeout: float = 10


class StorageConfig(Section):
    database: Path = Path("data/fraudbot.sqlite3")


class PrivacyConfig(Section):
    mask_stored_text: bool = True
    retention_days: int = Field(default=90, ge=1)
    purge_interval_hours: float = Field(default=6, gt=0)


class PerPriority(Section):
    urgent: float = 2
    high: float = 10
    normal: float = 30


class LocalizedName(Section):
    zh: str = "值班民警"
    en: str = "Duty officer"


class StaffConfig(Section):
    chat_id: int = 0
    user_ids: list[int] = Field(default_factory=list)
    officer_display_name: LocalizedName = Field(default_factory=LocalizedName)
    first_response_minutes: PerPriority = Field(default_factory=PerPriority)
    reannounce_minutes: PerPriority = Field(default_factory=lambda: PerPriority(urgent=2, high=10, normal=20))
    repeat_questions: int = Field(default=3, ge=2)
    repeat_window_hours: float = 24


class BroadcastConfig(Section):
    messages_per_second: float = Field(default=25, gt=0, le=30)
    per_chat_interval_seconds: float = Field(default=1.0, ge=0)


class BulletinConfig(Section):
    area: str = "ningbo"
    reminder_weekday: int = Field(default=0, ge=0, le=6)
    reminder_time: str = Field(default="10:00", pattern=r"^\d{1,2}:\d{2}$")
    broadcast: BroadcastConfig = Field(default_factory=BroadcastConfig)


class Config(Section):
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    content_dir: Path | None = None
    staff: StaffConfig = Field(default_factory=StaffConfig)
    bulletin: BulletinConfig = Field(default_factory=BulletinConfig)
    log_level: str = "INFO"

    @property
    def token(self) -> str:
        return os.environ.get(TOKEN_ENV) or self.telegram.token


def load_config(path: Path | str | None) -> Config:
    """Read the YAML config (defaults when `path` is None); relative paths resolve against its folder."""
    if path is None:
        return Config()
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: config file not found (copy config.example.yaml to start)")
    try:
        data = read_yaml(file) or {}
    except ContentError as exc:
        raise ConfigError(str(exc)) from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first.get("loc", ()))
        raise ConfigError(f"{file}: key '{key}': {first.get('msg')}") from None
    base = file.resolve().parent
    if not config.storage.database.is_absolute():
        config.storage.database = base / config.storage.database
    if config.content_dir and not config.content_dir.is_absolute():
        config.content_dir = base / config.content_dir
    return config
