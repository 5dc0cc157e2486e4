"""The weekly bulletin on Telegram: /subscribe and /unsubscribe for users; /bulletin, /publish, the weekly
reminder and the broadcast with progress for staff."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from datetime import time as dtime
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.clock import utcnow
from bot.services.broadcast import (
    BroadcastProgress,
    BroadcastService,
    BroadcastSettings,
    DeliveryFailed,
    RecipientBlocked,
    RetryLater,
)
from bot.services.bulletin.area import Area, load_area
from bot.services.bulletin.build import BulletinInputError, BulletinMaker, save_draft
from bot.services.bulletin.csvimport import CaseFileError, import_case_file
from bot.services.bulletin.types import catalogue_from_base
from bot.services.bulletin.week import IsoWeek
from bot.services.desk import Actor, NotAllowed, StaffPolicy
from bot.storage import bulletins, subscriptions
from bot.storage.cases import CaseAreaConflict
from bot.taxonomy import SCAM_TYPES
from bot.telegram.context import Services, services, user_lang
from bot.telegram.keyboards import int_arg, parse_callback

logger = logging.getLogger(__name__)
KEY = "bulletin"
STAFF_LANG = "zh"
MAX_CSV_BYTES = 20 * 1024 * 1024


class TelegramSender:
    """The broadcast's Sender over python-telegram-bot, mapping Telegram errors to the service's."""

    def __init__(self, bot) -> None:
        self.bot = bot
        # The map is uploaded once; later sends reuse Telegram's file_id (small, evenly paced requests).
        self._file_ids: dict[str, str] = {}

    async def _call(self, send):
        try:
            return await send
        except Forbidden as exc:
            raise RecipientBlocked(str(exc)) from exc
        except RetryAfter as exc:
            delay = exc.retry_after
            raise RetryLater(delay.total_seconds() if isinstance(delay, timedelta) else float(delay)) from exc
        except (TimedOut, BadRequest) as exc:
            raise DeliveryFailed(str(exc)) from exc
        except NetworkError as exc:
            raise DeliveryFailed(str(exc), retryable="connect" in str(exc).lower()) from exc

    async def send_text(self, chat_id: int, text: str) -> None:
        await self._call(self.bot.send_message(chat_id, text))

    async def send_photo(self, chat_id: int, png: bytes, caption: str) -> None:
        key = hashlib.sha256(png).hexdigest()
        photo = self._file_ids.get(key) or InputFile(png, filename="map.png")
        message = await self._call(self.bot.send_photo(chat_id, photo, caption=caption[:1024]))
        if key not in self._file_ids and message is not None and message.photo:
            self._file_ids[key] = message.photo[-1].file_id


class BulletinDesk:
    """Bulletin services for one area, and the broadcasts running in this process."""

    def __init__(self, services: Services, application: Application, area: Area) -> None:
        self.services = services
        self.application = application
        self.area = area
        self.maker = BulletinMaker.for_area(area, catalogue_from_base(services.content), services.content.texts)
        settings = services.config.bulletin.broadcast
        self.broadcasts = BroadcastService(
            services.db, TelegramSender(application.bot), area,
            BroadcastSettings(messages_per_second=settings.messages_per_second,
                              per_chat_interval=settings.per_chat_interval_seconds))
        staff = services.config.staff
        self.policy = StaffPolicy(frozenset(staff.user_ids), staff.chat_id)
        self.tasks: set[asyncio.Task] = set()

    def text(self, key: str, **values: object) -> str:
        return self.services.text(key, STAFF_LANG, **values)

    async def preview(self, week: IsoWeek, staff_id: int | None) -> None:
        chat = self.services.config.staff.chat_id
        try:
            draft = await self.maker.build_from_db(self.services.db, week)
        except BulletinInputError as exc:
            reason = self.text(f"bulletin.error.{exc.reason}", **{"week": str(week), **exc.values})
            await self.application.bot.send_message(chat, self.text("staff.bulletin.build_failed", week=str(week),
                                                                    reason=reason))
            return
        bulletin_id = await save_draft(self.services.db, draft, staff_id)
        await self.application.bot.send_photo(chat, InputFile(draft.map_png, filename="map.png"),
                                              caption=draft.text.caption[STAFF_LANG][:1024])
        await self.application.bot.send_photo(chat, InputFile(draft.trend_png, filename="trend.png"))
        await self.application.bot.send_message(chat, draft.text.text[STAFF_LANG])
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(self.text("staff.bulletin.publish_button"),
                                                             callback_data=f"bl:pub:{bulletin_id}")]])
        await self.application.bot.send_message(chat, self.text(
            "staff.bulletin.preview", week=str(week), bulletin_id=bulletin_id,
            subscribers=await subscriptions.count_active(self.services.db)), reply_markup=markup)

    async def publish(self, bulletin_id: int, staff_id: int) -> bool:
        if not await bulletins.mark_published(self.services.db, bulletin_id, staff_id):
            return False
        chat = self.services.config.staff.chat_id
        broadcast_id = await self.broadcasts.start(bulletin_id, progress_chat_id=chat)
        self.launch(broadcast_id, bulletin_id)
        return True

    def launch(self, broadcast_id: int, bulletin_id: int) -> None:
        task = asyncio.create_task(self._run(broadcast_id, bulletin_id), name=f"broadcast-{broadcast_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, broadcast_id: int, bulletin_id: int) -> None:
        bot = self.application.bot
        chat = self.services.config.staff.chat_id
        progress_message = await bot.send_message(chat, self.text(
            "staff.bulletin.progress", bulletin_id=bulletin_id, sent=0, failed=0, blocked=0, remaining="…",
            total="…"))

        async def on_progress(progress: BroadcastProgress) -> None:
            try:
                await bot.edit_message_text(self.text(
                    "staff.bulletin.progress", bulletin_id=bulletin_id, sent=progress.sent, failed=progress.failed,
                    blocked=progress.blocked, remaining=progress.remaining, total=progress.total),
                    chat_id=chat, message_id=progress_message.message_id)
            except TelegramError:
                logger.debug("progress edit skipped")

        report = await self.broadcasts.run(broadcast_id, on_progress)
        p = report.progress
        await bot.send_message(chat, self.text(
            "staff.bulletin.report", bulletin_id=bulletin_id, sent=p.sent, failed=p.failed, blocked=p.blocked,
            skipped=p.skipped, uncertain=p.uncertain, seconds=f"{report.seconds:.0f}",
            rate=f"{report.messages_per_second:.1f}"))

    async def resume(self) -> None:
        for broadcast in await self.broadcasts.unfinished():
            self.launch(broadcast.id, broadcast.bulletin_id)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> BulletinDesk | None:
    return services(context).extras.get(KEY)


def _allowed(update: Update, desk: BulletinDesk) -> bool:
    user, chat = update.effective_user, update.effective_chat
    return desk.policy.check(user.id if user else None, chat.id if chat else None)


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = services(context).text("desk.staff.not_allowed", STAFF_LANG)
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await update.effective_message.reply_text(text)


async def _audit_denied(context: ContextTypes.DEFAULT_TYPE, update: Update, action: str) -> None:
    desk = services(context).desk
    if desk is not None:
        user, chat = update.effective_user, update.effective_chat
        with contextlib.suppress(NotAllowed):
            await desk.authorise(Actor(user.id if user else 0, chat.id if chat else 0), action)


async def _staff_desk(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> BulletinDesk | None:
    """The bulletin desk when a staff member acts in the staff chat; otherwise refuse, audited, and None."""
    desk = desk_of(context)
    if desk is not None and _allowed(update, desk):
        return desk
    await _audit_denied(context, update, action)
    await _refuse(update, context)
    return None


async def bulletin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff: /bulletin with a CSV file imports it and previews the last finished week; /bulletin WEEK previews."""
    desk = await _staff_desk(update, context, "bulletin")
    if desk is None:
        return
    message = update.effective_message
    document = message.document or (message.reply_to_message.document if message.reply_to_message else None)
    # A document's caption "/bulletin 2026-W23" does not go through CommandHandler, so read its words here.
    args = context.args if context.args is not None else (message.caption or "").split()[1:]
    if document is not None:
        if not await _import(desk, document, message, update.effective_user.id):
            return
    elif not args:
        await message.reply_text(desk.text("staff.bulletin.usage"))
        return
    try:
        week = IsoWeek.parse(args[0]) if args else IsoWeek.last_complete(utcnow(), desk.area.tz)
    except ValueError:
        await message.reply_text(desk.text("staff.bulletin.usage"))
        return
    await desk.preview(week, update.effective_user.id)


async def _import(desk: BulletinDesk, document, message, staff_id: int) -> bool:
    if document.file_size and document.file_size > MAX_CSV_BYTES:
        await message.reply_text(desk.text("staff.bulletin.import_failed", errors="file too large"))
        return False
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        summary = await import_case_file(desk.services.db, data, desk.area, SCAM_TYPES,
                                         file_name=document.file_name or "cases.csv", imported_by=staff_id)
    except CaseFileError as exc:
        await message.reply_text(desk.text("staff.bulletin.import_failed", errors=exc.describe()[:3500]))
        return False
    except (CaseAreaConflict, ValueError) as exc:
        await message.reply_text(desk.text("staff.bulletin.import_failed", errors=str(exc)[:3500]))
        return False
    await message.reply_text(desk.text("staff.bulletin.imported", file=document.file_name or "CSV",
                                       added=summary.new, replaced=summary.updated, skipped=summary.unchanged))
    return True


async def publish_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff: /publish [number] publishes a preview and starts the broadcast."""
    desk = await _staff_desk(update, context, "publish")
    if desk is None:
        return
    bulletin_id = int_arg(context.args or [], 0)
    if bulletin_id is None:
        latest = await desk.services.db.fetchval(
            "SELECT id FROM bulletins WHERE area = ? AND published_at IS NULL ORDER BY id DESC LIMIT 1",
            (desk.area.id,))
        bulletin_id = int(latest) if latest else None
    if bulletin_id is None:
        await update.effective_message.reply_text(desk.text("staff.bulletin.nothing"))
        return
    if not await desk.publish(bulletin_id, update.effective_user.id):
        await update.effective_message.reply_text(desk.text("staff.bulletin.already"))


async def on_publish_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff: the Publish button under a preview (checked on the server, whoever crafted it)."""
    query = update.callback_query
    desk = await _staff_desk(update, context, "publish")
    if desk is None:
        return
    _, args = parse_callback(query.data)
    bulletin_id = int_arg(args, 1)
    if bulletin_id is None or not await desk.publish(bulletin_id, query.from_user.id):
        await query.answer(desk.text("staff.bulletin.already"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)


def _subscribe_keyboard(desk: BulletinDesk, chosen: set[str], lang: str) -> InlineKeyboardMarkup:
    s = desk.services
    rows = [[InlineKeyboardButton(s.text("subscribe.all", lang), callback_data="sub:all")]]
    row: list[InlineKeyboardButton] = []
    for district in desk.area.districts:
        mark = "✓ " if district.id in chosen else ""
        row.append(InlineKeyboardButton(mark + district.short.get(lang), callback_data=f"sub:d:{district.id}"))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([InlineKeyboardButton(s.text("subscribe.done", lang), callback_data="sub:done")])
    return InlineKeyboardMarkup(rows)


async def subscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe: all districts, or chosen ones from a keyboard."""
    desk = desk_of(context)
    lang = await user_lang(update, context)
    if desk is None:
        await update.effective_message.reply_text(services(context).text("subscribe.unavailable", lang))
        return
    context.user_data["sub_choice"] = set()
    await update.effective_message.reply_text(services(context).text("subscribe.choose", lang),
                                              reply_markup=_subscribe_keyboard(desk, set(), lang))


async def on_subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toggle districts, subscribe to all, or finish."""
    query = update.callback_query
    desk = desk_of(context)
    lang = await user_lang(update, context)
    s = services(context)
    if desk is None:
        await query.answer(s.text("subscribe.unavailable", lang))
        return
    _, args = parse_callback(query.data)
    chosen: set[str] = context.user_data.setdefault("sub_choice", set())
    if args[:1] == ["d"] and len(args) > 1 and desk.area.district(args[1]):
        chosen.symmetric_difference_update({args[1]})
        await query.answer()
        await query.edit_message_reply_markup(_subscribe_keyboard(desk, chosen, lang))
        return
    districts = [] if args[:1] == ["all"] else [d.id for d in desk.area.districts if d.id in chosen]
    await subscriptions.subscribe(s.db, query.from_user.id, query.message.chat_id, districts, lang)
    await query.answer()
    if districts:
        names = "、".join(desk.area.get(d).short.get(lang) for d in districts)
        await query.edit_message_text(s.text("subscribe.saved_some", lang, districts=names))
    else:
        await query.edit_message_text(s.text("subscribe.saved_all", lang))


async def unsubscribe_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe."""
    s = services(context)
    lang = await user_lang(update, context)
    removed = await subscriptions.unsubscribe(s.db, update.effective_user.id)
    await update.effective_message.reply_text(s.text("subscribe.removed" if removed else "subscribe.not_subscribed",
                                                     lang))


async def reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Weekly: remind staff when last week's bulletin was not published."""
    desk = desk_of(context)
    if desk is None:
        return
    week = IsoWeek.last_complete(utcnow(), desk.area.tz)
    if not await bulletins.is_published(desk.services.db, desk.area.id, str(week)):
        await context.bot.send_message(desk.services.config.staff.chat_id,
                                       desk.text("staff.bulletin.reminder", week=str(week)))


async def attach(services: Services, application: Application) -> None:
    """Load the area and resume unfinished broadcasts; the reminder runs weekly at the configured time."""
    config = services.config
    area = load_area(config.bulletin.area, config.content_dir or services.content.directory)
    desk = BulletinDesk(services, application, area)
    services.extras[KEY] = desk
    await desk.resume()
    if application.job_queue and config.staff.chat_id:
        hour, minute = (int(x) for x in config.bulletin.reminder_time.split(":"))
        application.job_queue.run_daily(reminder_job, dtime(hour, minute, tzinfo=area.tz),
                                        days=((config.bulletin.reminder_weekday + 1) % 7,),  # PTB: 0 = Sunday
                                        name="bulletin-reminder")


async def detach(services: Services) -> None:
    desk = services.extras.get(KEY)
    if desk is not None:
        await desk.stop()


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("subscribe", subscribe_command, filters=private),
        CommandHandler("unsubscribe", unsubscribe_command, filters=private),
        CallbackQueryHandler(on_subscribe_button, pattern=r"^sub:"),
        CommandHandler("bulletin", bulletin_command),
        MessageHandler(filters.CaptionRegex(r"^/bulletin") & filters.Document.ALL, bulletin_command),
        CommandHandler("publish", publish_command),
        CallbackQueryHandler(on_publish_button, pattern=r"^bl:pub:"),
    ]
