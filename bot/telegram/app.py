"""Build the python-telegram-bot Application from the config, with a durable update journal.

The updater confirms fetched updates to Telegram before handlers run, so a crash would drop them. The
bot therefore journals every fetched update in SQLite inside `get_updates` (before the next call
confirms it), marks it done after processing, and replays unfinished ones on start.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, ExtBot

from bot.config import Config
from bot.storage import updates as journal
from bot.telegram.context import SERVICES_KEY, Services
from bot.telegram.request import AiohttpRequest

logger = logging.getLogger(__name__)

REMEMBERED_UPDATES = 100_000
MENU_COMMANDS = ("start", "help", "types", "report", "subscribe", "unsubscribe", "lang", "cancel")
Journal = Callable[[list[dict[str, Any]]], Awaitable[set[int]]]


class JournalingRequest(AiohttpRequest):
    """The getUpdates connection: stores the raw updates of every answer before anyone parses them."""

    def __init__(self, journal: Journal, connection_pool_size: int, **kwargs: Any) -> None:
        super().__init__(connection_pool_size, **kwargs)
        self._journal = journal
        self.finished: set[int] = set()

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == HTTPStatus.OK and url.endswith("/getUpdates"):
            updates = json.loads(payload).get("result") or []
            if updates:
                self.finished |= await self._journal(updates)
        return code, payload


class JournalingBot(ExtBot):
    """An ExtBot whose fetched updates are stored (by its getUpdates request) before the updater confirms them."""

    def __init__(self, *args: Any, journaling_request: JournalingRequest, **kwargs: Any) -> None:
        super().__init__(*args, get_updates_request=journaling_request, **kwargs)
        self._journaling_request = journaling_request

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        fetched = await super().get_updates(*args, **kwargs)
        finished, self._journaling_request.finished = self._journaling_request.finished, set()
        # Telegram re-delivers what was never confirmed before a crash; skip what we already finished.
        return tuple(u for u in fetched if u.update_id not in finished) if finished else fetched


class DurableApplication(Application):
    """Skips updates already in flight, and marks each one done after its handlers ran."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Ids taken up in this process. A copy of an update can sit in the queue while the first is handled
        # (getUpdates answered twice after a client-side timeout); the copy must not be handled again.
        self._taken: set[int] = set()
        self._taken_order: deque[int] = deque()

    async def process_update(self, update: object) -> None:
        services: Services | None = self.bot_data.get(SERVICES_KEY)
        if not isinstance(update, Update) or services is None:
            await super().process_update(update)
            return
        update_id = update.update_id
        if update_id in self._taken:
            return
        self._remember(update_id)
        await super().process_update(update)
        await journal.finish_update(services.db, update_id)

    def _remember(self, update_id: int) -> None:
        self._taken.add(update_id)
        self._taken_order.append(update_id)
        if len(self._taken_order) > REMEMBERED_UPDATES:
            self._taken.discard(self._taken_order.popleft())


async def replay_pending(application: Application) -> int:
    """Queue updates that were journaled but never finished (the process died)."""
    services: Services = application.bot_data[SERVICES_KEY]
    pending = await journal.take_replay(services.db)
    for payload in pending:
        await application.update_queue.put(Update.de_json(payload, application.bot))
    if pending:
        logger.info("replaying %d unfinished update(s)", len(pending))
    return len(pending)


async def register_commands(application: Application) -> None:
    """The command menu in Chinese (default) and English."""
    services: Services = application.bot_data[SERVICES_KEY]
    for lang, code in (("zh", None), ("en", "en")):
        commands = [BotCommand(name, services.text(f"cmd.{name}", lang)) for name in MENU_COMMANDS]
        await application.bot.set_my_commands(commands, language_code=code)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (the token never appears: log redaction is installed) and apologise to the user."""
    logger.error("handler failed for update %s: %r", getattr(update, "update_id", "?"), context.error,
                 exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        services: Services = context.application.bot_data[SERVICES_KEY]
        lang = "en" if (context.user_data or {}).get("lang") == "en" else "zh"
        try:
            await context.bot.send_message(update.effective_chat.id, services.text("error.generic", lang))
        except Exception:
            logger.warning("could not send the error apology")


def build_bot(config: Config, journal_fn: Journal) -> JournalingBot:
    tg = config.telegram
    request = AiohttpRequest(tg.connections, connect_timeout=tg.connect_timeout, read_timeout=tg.read_timeout)
    updates_request = JournalingRequest(journal_fn, connection_pool_size=2, connect_timeout=tg.connect_timeout,
                                        read_timeout=tg.read_timeout + tg.poll_timeout)
    limits = tg.rate_limit
    limiter = AIORateLimiter(
        overall_max_rate=limits.overall_max_rate, overall_time_period=limits.overall_time_period,
        group_max_rate=limits.group_max_rate, group_time_period=limits.group_time_period,
        max_retries=limits.max_retries,
    )
    return JournalingBot(config.token, base_url=tg.base_url, base_file_url=tg.base_file_url, request=request,
                         journaling_request=updates_request, rate_limiter=limiter)


def build_application(services: Services, handler_modules: list[Any],
                      post_init: Callable[[Application], Awaitable[None]] | None = None) -> Application:
    """The Application with every handler module's handlers, the journal and the error handler."""
    config = services.config

    async def journal_fn(payloads: list[dict[str, Any]]) -> set[int]:
        return await journal.journal_updates(services.db, payloads)

    async def initialise(application: Application) -> None:
        application.bot_data[SERVICES_KEY] = services
        await register_commands(application)
        if post_init is not None:
            await post_init(application)
        await replay_pending(application)

    application = (
        ApplicationBuilder()
        .application_class(DurableApplication)
        .bot(build_bot(config, journal_fn))
        .concurrent_updates(config.telegram.concurrent_updates)
        .post_init(initialise)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    for module in handler_modules:
        for handler in module.handlers():
            application.add_handler(handler, group=getattr(module, "GROUP", 0))
    application.add_error_handler(on_error)
    return application
