"""`fraudbot chat`: the same conversation as on Telegram, in the terminal, on the same SQLite log."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.common import add_lang_option, fail
from bot.config import ConfigError, load_config
from bot.content.loader import ContentBase
from bot.engine import load_engine
from bot.services.escalation import TERMINAL_USER, open_terminal_case
from bot.services.inquiries import Answer, InquiryService
from bot.storage.db import Database

CHOICES = ("button.officer", "button.paid", "button.helpful", "button.not_helpful")
REASONS = ("wrong", "unclear", "other")


def register(subparsers: argparse._SubParsersAction) -> None:
    chat = subparsers.add_parser("chat", help="talk to the bot in the terminal (no Telegram token needed)")
    chat.add_argument("--config", type=Path, default=None, help="the YAML config (for the database path)")
    chat.add_argument("--db", type=Path, default=None, help="SQLite file (default: from the config)")
    add_lang_option(chat)
    chat.set_defaults(handler=run_chat)


class TerminalChat:
    """Reads lines, answers like the bot; buttons become numbered choices."""

    def __init__(self, inquiries: InquiryService, lang: str, read: Callable[[str], str | None],
                 write: Callable[[str], None]) -> None:
        self.inquiries = inquiries
        self.lang = lang
        self.read = read
        self.write = write

    @property
    def content(self) -> ContentBase:
        return self.inquiries.content

    def text(self, key: str, **values: object) -> str:
        return self.content.texts.render(key, self.lang, **values)

    async def run(self) -> None:
        self.write(self.text("chat.intro"))
        while True:
            line = self.read("\n> ")
            if line is None or line.strip() in ("/quit", "/exit", "/q"):
                self.write(self.text("chat.bye"))
                return
            await self.handle(line)

    async def handle(self, line: str) -> None:
        command = line.strip()
        if command == "/help":
            self.write(self.text("help.text"))
        elif command == "/types":
            self.show_types()
        elif command == "/lang":
            self.lang = "en" if self.lang == "zh" else "zh"
            self.write(self.text("lang.set"))
        elif command == "/start":
            self.write(self.text("start.welcome", days=self.inquiries.retention_days))
        else:
            answer = await self.inquiries.judge(line, lang=self.lang, user_id=TERMINAL_USER, channel="terminal")
            await self.inquiries.mark_sent(answer.inquiry_id)
            self.write(answer.reply)
            if answer.verdict is not None:
                await self.offer_buttons(answer)

    def show_types(self) -> None:
        types = list(self.content.scam_types.values())
        self.write(self.text("types.intro"))
        for number, info in enumerate(types, start=1):
            self.write(f"  {number}. {info.title.get(self.lang)}")
        choice = self.choose(len(types))
        if choice is not None:
            info = types[choice]
            signs = "\n".join(f"• {s}" for s in info.signs.get(self.lang))
            self.write(self.text("types.detail", title=info.title.get(self.lang), signs=signs,
                                 advice=info.advice.get(self.lang)))

    def choose(self, count: int) -> int | None:
        raw = self.read(self.text("chat.choose") + " ")
        if raw is None or not raw.strip().isdigit():
            return None
        number = int(raw.strip())
        return number - 1 if 1 <= number <= count else None

    async def offer_buttons(self, answer: Answer) -> None:
        for number, key in enumerate(CHOICES, start=1):
            self.write(f"  {number}. {self.text(key)}")
        choice = self.choose(len(CHOICES))
        if choice is None or answer.inquiry_id is None:
            return
        key = CHOICES[choice]
        if key in ("button.officer", "button.paid"):
            await self.escalate(answer, urgent=key == "button.paid")
        elif key == "button.helpful":
            await self.inquiries.feedback(answer.inquiry_id, TERMINAL_USER, True)
            self.write(self.text("feedback.thanks"))
        else:
            self.write(self.text("feedback.ask_reason"))
            for number, reason in enumerate(REASONS, start=1):
                self.write(f"  {number}. {self.text(f'button.reason.{reason}')}")
            picked = self.choose(len(REASONS))
            reason = REASONS[picked] if picked is not None else None
            await self.inquiries.feedback(answer.inquiry_id, TERMINAL_USER, False, reason)
            self.write(self.text("feedback.thanks"))

    async def escalate(self, answer: Answer, *, urgent: bool) -> None:
        if urgent:
            self.write(self.text("verdict.banner.after") + "\n" + self.text("verdict.after_steps"))
        case_id = await open_terminal_case(self.inquiries, answer, self.lang, urgent=urgent)
        self.write(self.text("chat.no_staff", case_id=case_id))


def _read_line(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


async def _chat(db_path: Path, content_dir: Path | None, lang: str, mask: bool, retention: int) -> None:
    engine = load_engine(content_dir)
    async with Database(db_path) as db:
        service = InquiryService(db, engine, mask_stored_text=mask, retention_days=retention)
        await TerminalChat(service, lang, _read_line, print).run()


def run_chat(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return fail(f"config error: {exc}")
    db_path = args.db or config.storage.database
    if sys.stdin.isatty():
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    asyncio.run(_chat(db_path, config.content_dir, args.lang, config.privacy.mask_stored_text,
                      config.privacy.retention_days))
    return 0
