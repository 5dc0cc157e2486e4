"""`fraudbot run`: open storage and content, build the Application, run polling or the webhook."""

from __future__ import annotations

import asyncio
import gc
import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application, ContextTypes

from bot.clock import utcnow
from bot.config import Config
from bot.engine import load_engine
from bot.privacy import install_log_redaction
from bot.services.inquiries import InquiryService
from bot.storage import escalations
from bot.storage import updates as journal
from bot.storage.db import Database
from bot.telegram.app import build_application
from bot.telegram.context import SERVICES_KEY, Services
from bot.telegram.webhook import serve_webhook

logger = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; the message tells the operator what to fix."""


def handler_modules() -> list[object]:
    """Every handler module, in the order they get a chance at an update (staff desk first)."""
    from bot.telegram.handlers import desk, feedback, inquiry, start, subscriptions

    return [desk, start, subscriptions, feedback, inquiry]


def build_services(config: Config) -> Services:
    engine = load_engine(config.content_dir)
    db = Database(config.storage.database)
    inquiries = InquiryService(db, engine, mask_stored_text=config.privacy.mask_stored_text,
                               retention_days=config.privacy.retention_days)
    return Services(config=config, db=db, inquiries=inquiries)


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Retention: drop old inquiry texts and finished journal entries."""
    services: Services = context.application.bot_data[SERVICES_KEY]
    purged = await services.inquiries.purge_expired()
    cutoff = (utcnow() - timedelta(days=1)).isoformat(timespec="milliseconds")
    dropped = await journal.purge_finished(services.db, cutoff)
    async with services.db.transaction() as tx:
        case_texts = await escalations.purge_finished_case_texts(
            tx, utcnow() - timedelta(days=services.config.privacy.retention_days))
    if purged or dropped or case_texts:
        logger.info("retention: purged %d inquiry texts, %d case messages, %d journal entries",
                    purged, case_texts, dropped)


def make_application(services: Services) -> Application:
    async def post_init(application: Application) -> None:
        await services.db.open()
        await attach_optional_services(services, application)
        # The engine and content are long-lived: keep the garbage collector from rescanning them (tail latency).
        gc.collect()
        gc.freeze()
        hours = services.config.privacy.purge_interval_hours
        if application.job_queue:
            application.job_queue.run_repeating(purge_job, interval=hours * 3600, first=5, name="retention")

    application = build_application(services, handler_modules(), post_init=post_init)

    async def post_shutdown(_: Application) -> None:
        from bot.telegram.handlers import subscriptions

        await subscriptions.detach(services)
        await services.db.close()

    application.post_shutdown = post_shutdown
    return application


async def attach_optional_services(services: Services, application: Application) -> None:
    """The staff desk, the bulletin and image reading, wired once storage is open."""
    from bot.telegram.handlers import desk as desk_handlers
    from bot.telegram.handlers import photos, subscriptions

    await desk_handlers.attach(services, application)
    await subscriptions.attach(services, application)
    await photos.attach(services)


def _check_startup(config: Config) -> None:
    if not config.token:
        raise StartupError("no Telegram token: set telegram.token in the config or the FRAUDBOT_TOKEN "
                           "environment variable (without a token, try `fraudbot chat`)")
    if ":" not in config.token:
        raise StartupError("the Telegram token looks wrong: it should look like 123456:ABC-DEF…")


async def _preflight(config: Config) -> None:
    """Ask getMe once, so a wrong token or an unreachable server is one clear line, not a retry traceback."""
    tg = config.telegram
    try:
        async with Bot(config.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
            await bot.get_me()
    except InvalidToken as exc:
        raise StartupError("Telegram rejected the token: check telegram.token / FRAUDBOT_TOKEN") from exc
    except (NetworkError, TimedOut) as exc:
        raise StartupError(f"cannot reach the Telegram Bot API at {tg.base_url}: {exc}") from exc


def _fast_event_loop() -> None:
    """uvloop roughly halves the event loop's own cost per update; plain asyncio works too."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def run(config: Config) -> None:
    """Run until stopped; raises StartupError with a clear message for the usual mistakes."""
    _check_startup(config)
    install_log_redaction([config.token])
    _fast_event_loop()
    asyncio.run(_preflight(config))
    services = build_services(config)
    application = make_application(services)
    try:
        if config.telegram.mode == "webhook":
            asyncio.run(serve_webhook(application, config))
        else:
            application.run_polling(timeout=timedelta(seconds=config.telegram.poll_timeout), allowed_updates=None,
                                    drop_pending_updates=False, close_loop=False)
    except InvalidToken as exc:
        raise StartupError("Telegram rejected the token: check telegram.token / FRAUDBOT_TOKEN") from exc
    except (NetworkError, TimedOut) as exc:
        raise StartupError(f"cannot reach the Telegram Bot API at {config.telegram.base_url}: {exc}") from exc
