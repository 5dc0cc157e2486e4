"""The staff desk on Telegram: cards in the staff chat, claim/close/reveal, relays both ways, /queue, /stats,
and the user's /report, /cancel and rating. Every staff action is re-checked by the desk service."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.clock import utcnow
from bot.content.texts import Texts
from bot.engine.verdict import Verdict
from bot.services import desk_cards as cards
from bot.services.desk import (
    Actor,
    CaseRequest,
    DeskError,
    DeskService,
    DeskSettings,
    IncomingMessage,
    InvalidInput,
    NotAllowed,
    StaffPolicy,
    default_priority,
    summarise_verdict,
)
from bot.storage.escalations import Case
from bot.telegram.context import Services, services, user_lang
from bot.telegram.escalation import DESK_BRIDGE as BRIDGE
from bot.telegram.escalation import PENDING_REPORT
from bot.telegram.keyboards import int_arg, parse_callback

logger = logging.getLogger(__name__)
OUTCOMES = ("prevented", "lost", "not_fraud", "other")
STAFF_LANG = "zh"
REANNOUNCE_EVERY = timedelta(seconds=20)
# Its own handler group, so group messages still reach the inquiry handlers after the desk looked at them.
GROUP = -1


def _settings(services: Services) -> DeskSettings:
    staff = services.config.staff
    minutes = {p: timedelta(minutes=getattr(staff.first_response_minutes, p)) for p in ("urgent", "high", "normal")}
    waits = {p: timedelta(minutes=getattr(staff.reannounce_minutes, p)) for p in ("urgent", "high", "normal")}
    return DeskSettings(first_response_targets=minutes, reannounce_waits=waits,
                        officer_names={"zh": staff.officer_display_name.zh, "en": staff.officer_display_name.en})


def card_keyboard(texts: Texts, case: Case) -> InlineKeyboardMarkup | None:
    """Claim / Close (/ Reveal) under an active case's card; a finished card has no buttons."""
    if not case.active:
        return None
    actions = ["claim", "close"] + ([] if case.revealed else ["reveal"])
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.render(f"desk.button.{action}", STAFF_LANG),
                                                       callback_data=f"dk:{action}:{case.id}")
                                  for action in actions]])


class DeskBridge:
    """Moves cases between the desk service and Telegram; holds no state of its own."""

    def __init__(self, services: Services, desk: DeskService, application: Application) -> None:
        self.services = services
        self.desk = desk
        self.application = application
        self.staff_chat = services.config.staff.chat_id
        self.forum = False
        self._card_locks: dict[int, asyncio.Lock] = {}

    @property
    def texts(self) -> Texts:
        return self.services.content.texts

    @property
    def bot(self) -> ExtBot:
        return self.application.bot

    # --- cards ------------------------------------------------------------------------------------------

    async def render(self, case: Case, reveal: bool | None = None) -> str:
        view = await self.desk.case_view(case.id)
        return cards.render_card(self.texts, view.case, view.messages, now=utcnow(), lang=STAFF_LANG,
                                 reveal=reveal, target=self.desk.settings.target(view.case.priority))

    async def post_card(self, case: Case) -> Case:
        """Post the case's card once, whoever asks first (the request itself or the re-announcement job)."""
        async with self._card_locks.setdefault(case.id, asyncio.Lock()):
            current = (await self.desk.case_view(case.id)).case
            if current.card_message_id is not None:
                return current
            return await self._post_card(current)

    async def _post_card(self, case: Case) -> Case:
        topic_id = None
        if self.forum:
            try:
                topic = await self.bot.create_forum_topic(self.staff_chat, f"#{case.id} {case.priority}")
                topic_id = topic.message_thread_id
            except TelegramError:
                logger.warning("could not create a forum topic for case %s", case.id)
        message = await self.bot.send_message(self.staff_chat, await self.render(case), message_thread_id=topic_id,
                                              reply_markup=card_keyboard(self.texts, case))
        return await self.desk.attach_card(case.id, chat_id=self.staff_chat, message_id=message.message_id,
                                           topic_id=topic_id)

    async def refresh_card(self, case: Case, reveal: bool | None = None) -> None:
        if case.card_message_id is None:
            return
        fresh = (await self.desk.case_view(case.id)).case
        try:
            await self.bot.edit_message_text(await self.render(fresh, reveal), chat_id=self.staff_chat,
                                             message_id=case.card_message_id,
                                             reply_markup=card_keyboard(self.texts, fresh))
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def announce_due(self, context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        """Post missing cards and re-announce cases nobody claimed in time."""
        for case in await self.desk.due_for_announcement():
            if case.card_message_id is None:
                await self.post_card(case)
                continue
            text = cards.render_reannouncement(self.texts, case, now=utcnow(), lang=STAFF_LANG)
            message = await self.bot.send_message(self.staff_chat, text, reply_to_message_id=case.card_message_id,
                                                  message_thread_id=case.topic_id)
            await self.desk.mark_announced(case.id, chat_id=self.staff_chat, message_id=message.message_id)

    # --- user side --------------------------------------------------------------------------------------

    async def open(self, update: Update, request: CaseRequest) -> None:
        result = await self.desk.open_case(request)
        lang = request.lang
        if result.created:
            await self.post_card(result.case)
            notice = cards.render_queued_notice(self.texts, result.case, result.position, lang=lang)
        else:
            for message in result.new_messages:
                await self.relay_to_staff(result.case, message)
            await self.refresh_card(result.case)
            notice = cards.render_added_notice(self.texts, result.case, result.position, lang=lang,
                                               priority_raised=result.priority_raised)
        await self.tell_user(result.case, notice)

    def _request(self, update: Update, lang: str, reason: str, priority: str, *, inquiry_id: int | None,
                 text: str | None, verdict: Verdict | None) -> CaseRequest:
        user = update.effective_user
        message = IncomingMessage(text=text, source_update_id=update.update_id) if text else None
        return CaseRequest(
            user_id=user.id, chat_id=update.effective_chat.id, display_name=user.full_name, lang=lang,
            reason=reason, priority=priority, inquiry_id=inquiry_id, messages=(message,) if message else (),
            verdict=summarise_verdict(verdict, self.services.content) if verdict else None,
        )

    async def open_from_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, urgent: bool,
                               lang: str) -> None:
        _, args = parse_callback(update.callback_query.data)
        inquiry_id = int_arg(args, 0)
        inquiry = (await self.services.inquiries.owned_inquiry(inquiry_id, update.effective_user.id)
                   if inquiry_id else None)
        text = str(inquiry["text"]) if inquiry and inquiry.get("text") else None
        verdict = self.services.inquiries.engine.assess(text) if text else None
        reason = "already_paid" if urgent else "user_request"
        priority = "urgent" if urgent else default_priority("user_request", verdict.priority if verdict else None)
        await self.open(update, self._request(update, lang, reason, priority,
                                              inquiry_id=inquiry["id"] if inquiry else None, text=text,
                                              verdict=verdict))

    async def after_verdict(self, update: Update, context: ContextTypes.DEFAULT_TYPE, verdict: Verdict,
                            inquiry_id: int | None, text: str, lang: str) -> None:
        staff = self.services.config.staff
        if verdict.escalate and verdict.priority:
            reason, priority = "engine", verdict.priority
        elif verdict.risk != "low" and await self.services.inquiries.is_repeat_asker(
                update.effective_user.id, staff.repeat_questions, staff.repeat_window_hours):
            reason, priority = "repeat", "normal"
        else:
            return
        await self.open(update, self._request(update, lang, reason, priority, inquiry_id=inquiry_id, text=text,
                                              verdict=verdict))

    async def submit_clue(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None = None) -> None:
        lang = await user_lang(update, context)
        message = update.effective_message
        clue = text or message.text or message.caption or ""
        request = self._request(update, lang, "clue", "normal", inquiry_id=None, text=clue, verdict=None)
        result = await self.desk.open_case(request)
        if result.created:
            await self.post_card(result.case)
        else:
            for recorded in result.new_messages:
                await self.relay_to_staff(result.case, recorded)
        await message.reply_text(self.services.text("report.thanks", lang, case_id=result.case.id))

    async def relay_from_user(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """A private message while the user has an active case goes to staff; True when it did."""
        chat = update.effective_chat
        if chat is None or chat.type != "private" or update.effective_user is None:
            return False
        message = update.effective_message
        photo = message.photo[-1].file_id if message.photo else None
        recorded = await self.desk.record_user_message(update.effective_user.id, text=message.text or message.caption,
                                                       photo_file_id=photo, source_update_id=update.update_id)
        if recorded is None:
            return False
        if recorded.needs_relay:
            await self.relay_to_staff(recorded.case, recorded.message)
        return True

    async def relay_to_staff(self, case: Case, message) -> None:
        text = cards.render_staff_relay(self.texts, case, message, lang=STAFF_LANG)
        reply_to = case.card_message_id
        if message.photo_file_id:
            sent = await self.bot.send_photo(self.staff_chat, message.photo_file_id, caption=text[:1024],
                                             reply_to_message_id=reply_to, message_thread_id=case.topic_id)
        else:
            sent = await self.bot.send_message(self.staff_chat, text, reply_to_message_id=reply_to,
                                               message_thread_id=case.topic_id)
        await self.desk.mark_relayed(message.id, staff_message_id=sent.message_id)

    async def tell_user(self, case: Case, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
        try:
            await self.bot.send_message(case.chat_id, text, reply_markup=markup)
        except Forbidden:
            await self.desk.mark_user_unreachable(case.id)
            await self.bot.send_message(self.staff_chat, self.services.text("desk.staff.user_unreachable",
                                                                            STAFF_LANG, case_id=case.id),
                                        message_thread_id=case.topic_id)
            return False
        return True

    # --- staff side -------------------------------------------------------------------------------------

    async def relay_from_staff(self, update: Update, actor: Actor) -> bool:
        message = update.effective_message
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        topic = message.message_thread_id if message.is_topic_message else None
        case = await self.desk.find_case_for_staff_message(self.staff_chat, reply_to_message_id=reply_to,
                                                           topic_id=topic)
        if case is None:
            return False
        photo = message.photo[-1].file_id if message.photo else None
        recorded = await self.desk.record_officer_message(
            actor, case.id, text=message.text or message.caption, photo_file_id=photo,
            source_update_id=update.update_id, staff_message_id=message.message_id)
        if recorded.needs_relay:
            await self.relay_to_user(recorded.case, recorded.message)
        if recorded.claimed_now:
            await self.tell_user(recorded.case, cards.render_officer_joined(
                self.texts, recorded.case, self.desk.settings.officer_name(recorded.case.lang),
                lang=recorded.case.lang))
            await self.refresh_card(recorded.case)
        return True

    async def relay_to_user(self, case: Case, message) -> None:
        officer = self.desk.settings.officer_name(case.lang)
        text = cards.render_officer_message(self.texts, officer, message.text, lang=case.lang)
        try:
            if message.photo_file_id:
                await self.bot.send_photo(case.chat_id, message.photo_file_id, caption=text[:1024])
            else:
                await self.bot.send_message(case.chat_id, text)
        except Forbidden:
            await self.desk.mark_user_unreachable(case.id)
            await self.bot.send_message(self.staff_chat, self.services.text(
                "desk.staff.user_unreachable", STAFF_LANG, case_id=case.id), message_thread_id=case.topic_id)
            return
        await self.desk.mark_relayed(message.id)

    async def resume_relays(self) -> None:
        """Messages recorded before a restart but never passed on."""
        for recorded in await self.desk.pending_relays():
            if recorded.message.direction == "user":
                await self.relay_to_staff(recorded.case, recorded.message)
            elif recorded.message.direction == "officer":
                await self.relay_to_user(recorded.case, recorded.message)

    async def closed(self, case: Case) -> None:
        await self.refresh_card(case)
        labels = cards.rating_labels(self.texts, lang=case.lang)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"rate:{case.id}:{n}")
                                        for n, label in labels]])
        await self.tell_user(case, cards.render_closed_notice(self.texts, case, lang=case.lang), markup)


def bridge(context: ContextTypes.DEFAULT_TYPE) -> DeskBridge | None:
    return services(context).extras.get(BRIDGE)


def actor_of(update: Update) -> Actor:
    user = update.effective_user
    chat = update.effective_chat
    return Actor(user.id if user else 0, chat.id if chat else 0, user.full_name if user else "")


async def _staff_answer(update: Update, text: str) -> None:
    if update.callback_query:
        await update.callback_query.answer(text[:190], show_alert=True)
    else:
        await update.effective_message.reply_text(text)


async def _guarded(update: Update, context: ContextTypes.DEFAULT_TYPE, action) -> None:
    """Run a staff action; refusals and desk errors become a short answer, never a crash."""
    desk = bridge(context)
    s = services(context)
    if desk is None:
        if update.callback_query:
            await update.callback_query.answer()
        return
    try:
        await action(desk, actor_of(update))
    except NotAllowed:
        await _staff_answer(update, s.text("desk.staff.not_allowed", STAFF_LANG))
    except InvalidInput as exc:
        await _staff_answer(update, str(exc))
    except DeskError as exc:
        key = "desk.staff.finished" if "finished" in type(exc).__name__.lower() else "desk.staff.not_found"
        case_id = getattr(getattr(exc, "case", None), "id", None) or getattr(exc, "case_id", "?")
        await _staff_answer(update, s.text(key, STAFF_LANG, case_id=case_id))


async def on_staff_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Claim, Close (then outcome) and Reveal on a card; checked server-side whoever crafted the button."""
    query = update.callback_query
    _, args = parse_callback(query.data)
    verb, case_id = (args[0] if args else ""), int_arg(args, 1)

    async def act(desk: DeskBridge, actor: Actor) -> None:
        if case_id is None:
            raise InvalidInput("bad button")
        if verb == "claim":
            result = await desk.desk.claim(actor, case_id)
            await query.answer(cards.render_claim_answer(desk.texts, result, lang=STAFF_LANG)[:190],
                               show_alert=not result.won)
            if result.won:
                await desk.refresh_card(result.case)
                await desk.tell_user(result.case, cards.render_officer_joined(
                    desk.texts, result.case, desk.desk.settings.officer_name(result.case.lang),
                    lang=result.case.lang))
        elif verb == "reveal":
            view = await desk.desk.reveal(actor, case_id)
            await query.answer()
            await desk.refresh_card(view.case, reveal=True)
        elif verb == "close":
            await desk.desk.authorise(actor, "close", case_id)
            await query.answer()
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                desk.services.text(f"desk.outcome.{o}", STAFF_LANG), callback_data=f"dk:out:{case_id}:{o}")
                for o in OUTCOMES]])
            await query.message.reply_text(desk.services.text("desk.staff.choose_outcome", STAFF_LANG,
                                                              case_id=case_id), reply_markup=markup)
        elif verb == "out":
            outcome = args[2] if len(args) > 2 and args[2] in OUTCOMES else None
            if outcome is None:
                raise InvalidInput("bad outcome")
            await _close(desk, actor, case_id, outcome, None, None)
            await query.answer()
            await query.edit_message_reply_markup(None)
        else:
            raise InvalidInput("unknown action")

    await _guarded(update, context, act)


async def _close(desk: DeskBridge, actor: Actor, case_id: int, outcome: str, amount: float | None,
                 note: str | None) -> None:
    result = await desk.desk.close(actor, case_id, outcome, amount=amount, note=note)
    if result.closed:
        await desk.closed(result.case)
        await desk.bot.send_message(desk.staff_chat, desk.services.text(
            "desk.staff.closed", STAFF_LANG, case_id=case_id,
            outcome=desk.services.text(f"desk.outcome.{outcome}", STAFF_LANG)), message_thread_id=result.case.topic_id)


async def close_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/close CASE OUTCOME [AMOUNT] [NOTE…] in the staff chat."""
    args = context.args or []

    async def act(desk: DeskBridge, actor: Actor) -> None:
        case_id = int_arg(args, 0)
        if case_id is None or len(args) < 2 or args[1] not in OUTCOMES:
            raise InvalidInput(desk.services.text("desk.staff.close_usage", STAFF_LANG))
        amount = None
        rest = args[2:]
        if rest:
            try:
                amount, rest = float(rest[0].replace(",", "")), rest[1:]
            except ValueError:
                amount = None
        await _close(desk, actor, case_id, args[1], amount, " ".join(rest) or None)

    await _guarded(update, context, act)


async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/queue: open cases by priority and age, with those over their first-response target."""

    async def act(desk: DeskBridge, actor: Actor) -> None:
        entries = await desk.desk.queue(actor)
        await update.effective_message.reply_text(cards.render_queue(desk.texts, entries, now=utcnow(),
                                                                     lang=STAFF_LANG))

    await _guarded(update, context, act)


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [day|week|month]."""
    period = (context.args or ["week"])[0]

    async def act(desk: DeskBridge, actor: Actor) -> None:
        stats = await desk.desk.stats(actor, period)  # type: ignore[arg-type]
        await update.effective_message.reply_text(cards.render_stats(desk.texts, stats, lang=STAFF_LANG))

    await _guarded(update, context, act)


async def on_staff_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A staff reply to a card (or inside a case's topic) is relayed to the user as from the officer."""

    async def act(desk: DeskBridge, actor: Actor) -> None:
        if update.effective_user and update.effective_user.is_bot:
            return
        await desk.relay_from_staff(update, actor)

    await _guarded(update, context, act)


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: withdraw from an open case (or stop a /report)."""
    s = services(context)
    lang = await user_lang(update, context)
    reporting = context.user_data.pop(PENDING_REPORT, False) if context.user_data is not None else False
    desk = bridge(context)
    case = await desk.desk.cancel_by_user(update.effective_user.id) if desk else None
    if case is None:
        await update.effective_message.reply_text(
            s.text("report.cancelled" if reporting else "desk.user.no_case", lang))
        return
    await update.effective_message.reply_text(s.text("desk.user.cancelled", lang, case_id=case.id))
    await desk.refresh_card(case)
    await desk.bot.send_message(desk.staff_chat, s.text("desk.staff.user_cancelled", STAFF_LANG, case_id=case.id),
                                message_thread_id=case.topic_id)


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report [clue]: with text, send it now; without, the next message is the clue."""
    s = services(context)
    lang = await user_lang(update, context)
    desk = bridge(context)
    if desk is None:
        await update.effective_message.reply_text(s.text("desk.user.no_desk", lang))
        return
    clue = " ".join(context.args or []).strip()
    if clue:
        await desk.submit_clue(update, context, clue)
        return
    if context.user_data is not None:
        context.user_data[PENDING_REPORT] = True
    await update.effective_message.reply_text(s.text("report.prompt", lang))


async def on_rating(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user's one-tap satisfaction rating after a case closed."""
    query = update.callback_query
    s = services(context)
    lang = await user_lang(update, context)
    _, args = parse_callback(query.data)
    case_id, rating = int_arg(args, 0), int_arg(args, 1)
    desk = bridge(context)
    if desk is None or case_id is None or rating is None or not await desk.desk.rate(query.from_user.id, case_id,
                                                                                      rating):
        await query.answer(s.text("callback.expired", lang))
        return
    await query.answer()
    await query.edit_message_text(s.text("desk.user.rating_thanks", lang))


async def attach(services: Services, application: Application) -> None:
    """Wire the desk once storage is open; without a staff chat users still get the stop-loss steps."""
    staff = services.config.staff
    if not staff.chat_id:
        return
    desk = DeskService(services.db, StaffPolicy(frozenset(staff.user_ids), staff.chat_id), _settings(services))
    desk_bridge = DeskBridge(services, desk, application)
    services.desk = desk
    services.extras[BRIDGE] = desk_bridge
    try:
        chat = await application.bot.get_chat(staff.chat_id)
        desk_bridge.forum = bool(chat.is_forum)
    except TelegramError:
        logger.warning("staff chat %s is not reachable yet; cards will be posted when it is", staff.chat_id)
    await desk_bridge.resume_relays()
    if application.job_queue:
        async def announce(context: ContextTypes.DEFAULT_TYPE) -> None:
            await desk_bridge.announce_due(context)

        application.job_queue.run_repeating(announce, interval=REANNOUNCE_EVERY, first=1, name="desk-reannounce")


def handlers() -> list[BaseHandler]:
    groups = filters.ChatType.GROUPS
    return [
        CallbackQueryHandler(on_staff_button, pattern=r"^dk:"),
        CallbackQueryHandler(on_rating, pattern=r"^rate:"),
        CommandHandler("queue", queue_command),
        CommandHandler("stats", stats_command),
        CommandHandler("close", close_command),
        CommandHandler("cancel", cancel_command, filters=filters.ChatType.PRIVATE),
        CommandHandler("report", report_command, filters=filters.ChatType.PRIVATE),
        MessageHandler(groups & ~filters.COMMAND & filters.UpdateType.MESSAGE
                       & (filters.TEXT | filters.PHOTO | filters.CAPTION), on_staff_message),
    ]
