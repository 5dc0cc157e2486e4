"""Pictures: screenshots and QR codes read offline (the `vision` extra), then judged like text."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.services.pictures import picture_text
from bot.telegram.context import Services, services, user_lang

logger = logging.getLogger(__name__)
READER = "image_reader"
MAX_DOWNLOAD = 20 * 1024 * 1024


def _largest(update: Update):
    message = update.effective_message
    if message.photo:
        return message.photo[-1]
    if message.document and (message.document.mime_type or "").startswith("image/"):
        return message.document
    return None


async def read_picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download, read in a worker thread (the bot keeps answering meanwhile), then judge what was read."""
    from bot.telegram.handlers.inquiry import reply_with_verdict
    from bot.vision import ImageError, read_image

    s = services(context)
    lang = await user_lang(update, context)
    message = update.effective_message
    item = _largest(update)
    if item is None:
        await reply_with_verdict(update, context, message.caption, "caption")
        return
    if item.file_size and item.file_size > MAX_DOWNLOAD:
        await message.reply_text(s.text("vision.too_large", lang))
        return
    data = bytes(await (await item.get_file()).download_as_bytearray())
    try:
        reading = await asyncio.to_thread(read_image, data)
    except ImageError as exc:
        await message.reply_text(s.text(f"vision.{exc.reason}", lang))
        return
    picture = picture_text(s.content.texts, lang, ocr_text=reading.text, qr_payloads=reading.qr_payloads,
                           caption=message.caption)
    if not picture.judged.strip():
        key = "vision.nothing" if reading.ocr_available else "unsupported.photo"
        await message.reply_text(s.text(key, lang))
        return
    await reply_with_verdict(update, context, picture.judged, "photo", preface=picture.preface)


async def attach(services: Services) -> None:
    """Register the reader when the vision extra is installed, and warm the OCR model up in the background."""
    try:
        from bot.vision import ocr_installed, warm_up
    except ImportError:
        logger.info("vision extra not installed: pictures get a request for the text")
        return
    services.extras[READER] = read_picture
    if ocr_installed():
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(warm_up), name="ocr-warm-up")
        services.extras["ocr_warm_up"] = task
