"""Webhook mode: an aiohttp endpoint that stores each update before answering Telegram."""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Config
from bot.storage import updates as journal
from bot.telegram.context import SERVICES_KEY, Services

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update_receiver(application: Application, secret: str):
    """POST handler: check the secret, journal the update, queue it, then answer 200."""

    async def receive(request: web.Request) -> web.Response:
        if secret and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403)
        try:
            payload = await request.json()
            update = Update.de_json(payload, application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        services: Services = application.bot_data[SERVICES_KEY]
        finished = await journal.journal_updates(services.db, [payload])
        if update.update_id not in finished:  # a re-delivery of a finished update is acknowledged, not redone
            await application.update_queue.put(update)
        return web.Response(status=200)

    return receive


async def serve_webhook(application: Application, config: Config, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set); the update queue is drained before the bot stops."""
    hook = config.telegram.webhook
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post(f"/{hook.path.strip('/')}", update_receiver(application, hook.secret_token))
    runner = web.AppRunner(app)
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()
    await runner.setup()
    site = web.TCPSite(runner, hook.listen, hook.port)
    await site.start()
    if hook.url:
        await application.bot.set_webhook(hook.url, secret_token=hook.secret_token or None,
                                          allowed_updates=Update.ALL_TYPES)
    logger.info("webhook listening on %s:%s/%s", hook.listen, hook.port, hook.path)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await application.stop()
        if application.post_shutdown:
            await application.post_shutdown(application)
        await application.shutdown()
