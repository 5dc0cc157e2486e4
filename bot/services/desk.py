"""The staff desk: cases, the queue, claims, relays, outcomes and statistics. No Telegram here.

Every staff action (claim, close, reply, reveal, queue, stats, audit) takes the acting person and the chat
they acted from, checks them against the StaffPolicy itself and writes the audit log, so no adapter can
forget the check: a crafted button or a forwarded card does nothing for anyone else.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from bot.clock import utcnow
from bot.content.loader import ContentBase
from bot.engine.verdict import Priority, Verdict
from bot.privacy import mask_text
from bot.storage import escalations as store
from bot.storage.db import Database
from bot.storage.escalations import (
    OUTCOMES,
    PRIORITIES,
    PRIORITY_RANK,
    REASONS,
    AuditEntry,
    Case,
    CaseMessage,
    NewCase,
    NewMessage,
    Outcome,
    Reason,
    SignalNote,
    VerdictSummary,
)

MAX_SIGNALS = 8
RATINGS = range(1, 6)
MAX_NOTE_CHARS = 1000
StatsPeriod = Literal["day", "week", "month"]
PERIODS: dict[str, timedelta] = {
    "day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30),
}

# The least priority each reason gets; a verdict may raise it (see default_priority).
DEFAULT_PRIORITY: dict[str, Priority] = {
    "already_paid": "urgent", "clue": "high", "repeat": "high", "user_request": "normal", "engine": "high",
}
DEFAULT_FIRST_RESPONSE = {
    "urgent": timedelta(minutes=2), "high": timedelta(minutes=10), "normal": timedelta(minutes=30),
}
DEFAULT_REANNOUNCE = {
    "urgent": timedelta(minutes=2), "high": timedelta(minutes=10), "normal": timedelta(minutes=20),
}
DEFAULT_OFFICER_NAMES = {"zh": "值班民警", "en": "Duty officer"}


class DeskError(Exception):
    """A desk request that cannot be carried out; the adapter turns it into a short answer."""


class NotAllowed(DeskError):
    def __init__(self, actor: Actor, action: str) -> None:
        super().__init__(f"user {actor.user_id} in chat {actor.chat_id} may not {action}")
        self.actor = actor
        self.action = action


class CaseNotFound(DeskError, LookupError):
    def __init__(self, case_id: int) -> None:
        super().__init__(f"no case #{case_id}")
        self.case_id = case_id


class CaseFinished(DeskError):
    """The case was closed or cancelled: nothing more can be relayed or changed."""

    def __init__(self, case: Case) -> None:
        super().__init__(f"case #{case.id} is {case.status}")
        self.case = case


class InvalidInput(DeskError, ValueError):
    pass


@dataclass(frozen=True)
class StaffPolicy:
    """Who may act on the desk: a configured staff member, acting from the configured staff chat."""

    staff_ids: frozenset[int]
    staff_chat_id: int

    def check(self, user_id: int | None, chat_id: int | None) -> bool:
        return (self.staff_chat_id != 0 and user_id is not None and user_id in self.staff_ids
                and chat_id == self.staff_chat_id)


@dataclass(frozen=True)
class Actor:
    """Whoever pressed the button or sent the command, and the chat they did it in."""

    user_id: int
    chat_id: int
    name: str = ""


@dataclass(frozen=True)
class DeskSettings:
    first_response_targets: Mapping[str, timedelta] = field(
        default_factory=lambda: dict(DEFAULT_FIRST_RESPONSE))
    reannounce_waits: Mapping[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_REANNOUNCE))
    officer_names: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_OFFICER_NAMES))
    # When set, message texts, quotes and notes are stored masked; "reveal" then has nothing more to show.
    mask_stored_text: bool = False

    def __post_init__(self) -> None:
        for name in ("first_response_targets", "reannounce_waits"):
            missing = [p for p in PRIORITIES if p not in getattr(self, name)]
            if missing:
                raise ValueError(f"{name} lacks priorities: {', '.join(missing)}")

    def officer_name(self, lang: str) -> str:
        return self.officer_names.get(lang) or self.officer_names.get("zh") or DEFAULT_OFFICER_NAMES["zh"]

    def target(self, priority: str) -> timedelta:
        return self.first_response_targets[priority]


@dataclass(frozen=True)
class IncomingMessage:
    """A message that came with an escalation request (the question that led to it, the bot's answer)."""

    text: str | None = None
    photo_file_id: str | None = None
    source_update_id: int | None = None
    direction: Literal["user", "bot"] = "user"


@dataclass(frozen=True)
class CaseRequest:
    user_id: int
    chat_id: int
    display_name: str
    lang: str
    reason: Reason
    priority: Priority
    inquiry_id: int | None = None
    messages: tuple[IncomingMessage, ...] = ()
    verdict: VerdictSummary | None = None


@dataclass(frozen=True)
class OpenResult:
    """`created` False: the request joined the user's active case (`new_messages` still need relaying),
    or it replayed a request already filed in a case since finished (`case.active` is then False)."""

    case: Case
    created: bool
    priority_raised: bool
    position: int | None
    new_messages: tuple[CaseMessage, ...] = ()


ClaimStatus = Literal["claimed", "already_yours", "taken", "finished"]


@dataclass(frozen=True)
class ClaimResult:
    status: ClaimStatus
    case: Case

    @property
    def won(self) -> bool:
        return self.status == "claimed"

    @property
    def holder_name(self) -> str | None:
        return self.case.claimed_by_name


@dataclass(frozen=True)
class CloseResult:
    """`closed` False: someone else closed it first, or the user cancelled; `case` says which."""

    closed: bool
    case: Case


@dataclass(frozen=True)
class RecordedMessage:
    message: CaseMessage
    case: Case
    new: bool
    claimed_now: bool = False

    @property
    def needs_relay(self) -> bool:
        """Relay only what has not gone out yet: a replayed update after a successful relay does nothing."""
        return self.message.relayed_at is None and self.case.active


@dataclass(frozen=True)
class CaseView:
    case: Case
    messages: tuple[CaseMessage, ...]


@dataclass(frozen=True)
class QueueEntry:
    case: Case
    position: int | None  # among open cases; None once claimed
    waiting: timedelta
    target: timedelta
    over_target: bool


@dataclass(frozen=True)
class StatsWindow:
    period: str
    start: datetime
    end: datetime

    @classmethod
    def last(cls, period: StatsPeriod, now: datetime) -> StatsWindow:
        """The rolling day (24 h), week (7 days) or month (30 days) ending now."""
        if period not in PERIODS:
            raise InvalidInput(f"unknown period {period!r}: use day, week or month")
        return cls(period, now - PERIODS[period], now)


@dataclass(frozen=True)
class DeskStats:
    window: StatsWindow
    consultations: int
    help_requests: int
    cancelled: int
    claimed: int
    median_time_to_claim: timedelta | None
    claimed_within_target: int
    dissuasions: int
    amount_saved: float
    lost: int
    amount_lost: float
    not_fraud: int
    other: int
    ratings: tuple[int, ...]

    @property
    def rating_average(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None


def summarise_verdict(verdict: Verdict, content: ContentBase) -> VerdictSummary:
    """What the card shows of a verdict: risk, stage, type title, the signals with the user's words."""
    scam = content.scam_types.get(verdict.scam_type) if verdict.scam_type else None
    hits = [h for h in verdict.hits if h.weight > 0 and h.kind != "stage_before"][:MAX_SIGNALS]
    return VerdictSummary(
        risk=verdict.risk, stage=verdict.stage, score=verdict.score, scam_type=verdict.scam_type,
        title_zh=scam.title.zh if scam else None, title_en=scam.title.en if scam else None,
        amount=verdict.amount,
        signals=tuple(SignalNote(h.id, h.label_zh, h.label_en, h.quote) for h in hits),
    )


def _higher(a: Priority, b: Priority) -> bool:
    return PRIORITY_RANK[a] < PRIORITY_RANK[b]


def default_priority(reason: Reason, verdict_priority: Priority | None = None) -> Priority:
    """The priority for a request: the reason's own, or the verdict's when that is higher (money gone)."""
    base = DEFAULT_PRIORITY[reason]
    return verdict_priority if verdict_priority and _higher(verdict_priority, base) else base


def _stronger_verdict(old: VerdictSummary | None, new: VerdictSummary | None) -> VerdictSummary | None:
    """Keep the more alarming verdict; the newer one on a tie."""
    if new is None or old is None:
        return new or old
    rank = {"low": 0, "medium": 1, "high": 2}
    new_key = (rank.get(new.risk, 0), new.stage == "after")
    old_key = (rank.get(old.risk, 0), old.stage == "after")
    return new if new_key >= old_key else old


class DeskService:
    def __init__(self, db: Database, policy: StaffPolicy, settings: DeskSettings | None = None, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.policy = policy
        self.settings = settings or DeskSettings()
        self._clock = clock

    def _now(self, now: datetime | None) -> datetime:
        return now or self._clock()

    def _stored(self, text: str | None) -> str | None:
        return mask_text(text) if text and self.settings.mask_stored_text else text

    def _stored_verdict(self, verdict: VerdictSummary | None) -> VerdictSummary | None:
        if verdict is None or not self.settings.mask_stored_text:
            return verdict
        return replace(verdict, signals=tuple(replace(s, quote=mask_text(s.quote)) for s in verdict.signals))

    # --- access ------------------------------------------------------------------------------------------

    async def authorise(self, actor: Actor, action: str, case_id: int | None = None, *,
                        now: datetime | None = None) -> None:
        """Raise NotAllowed (and audit the attempt) unless `actor` is staff acting from the staff chat."""
        if self.policy.check(actor.user_id, actor.chat_id):
            return
        async with self.db.transaction() as tx:
            await store.write_audit(tx, actor.user_id, action, case_id, f"denied in chat {actor.chat_id}",
                                    False, self._now(now))
        raise NotAllowed(actor, action)

    # --- the user's side ---------------------------------------------------------------------------------

    async def open_case(self, request: CaseRequest, *, now: datetime | None = None) -> OpenResult:
        """Open a case, or add the request to the user's active one (raising its priority if higher)."""
        if request.reason not in REASONS:
            raise InvalidInput(f"unknown reason {request.reason!r}")
        if request.priority not in PRIORITIES:
            raise InvalidInput(f"unknown priority {request.priority!r}")
        now = self._now(now)
        verdict = self._stored_verdict(request.verdict)
        async with self.db.transaction() as tx:
            replayed = await self._case_of_replayed_request(tx, request)
            if replayed is not None:
                return OpenResult(replayed, False, False, None)
            existing = await store.active_case_for_user(tx, request.user_id)
            if existing is None:
                case_id = await store.insert_case(tx, NewCase(
                    request.user_id, request.chat_id, request.display_name, request.lang, request.reason,
                    request.priority, request.inquiry_id, verdict), now)
                # The opening messages travel inside the card, so they count as relayed.
                await self._add_messages(tx, case_id, request, now, relayed=True)
                case = await self._case(tx, case_id)
                return OpenResult(case, True, False, await store.queue_position(tx, case))
            raised = _higher(request.priority, existing.priority)
            merged = NewCase(
                request.user_id, request.chat_id, request.display_name, request.lang,
                request.reason if raised else existing.reason,
                request.priority if raised else existing.priority, request.inquiry_id, None)
            stronger = _stronger_verdict(existing.verdict, verdict)
            await store.update_case_request(tx, existing.id, merged, stronger)
            added = await self._add_messages(tx, existing.id, request, now, relayed=False)
            case = await self._case(tx, existing.id)
            position = await store.queue_position(tx, case) if case.status == "open" else None
            return OpenResult(case, False, raised, position, tuple(added))

    async def _case_of_replayed_request(self, tx: store.Conn, request: CaseRequest) -> Case | None:
        """The finished case a replayed request already went into (so a replay cannot open a second one)."""
        for incoming in request.messages:
            if incoming.direction == "user" and incoming.source_update_id is not None:
                seen = await store.message_for_update(tx, request.user_id, incoming.source_update_id)
                if seen is not None:
                    case = await self._case(tx, seen.case_id)
                    return None if case.active else case
        return None

    async def _add_messages(self, tx: store.Conn, case_id: int, request: CaseRequest, now: datetime, *,
                            relayed: bool) -> list[CaseMessage]:
        added = []
        for incoming in request.messages:
            message, new = await store.add_message(tx, case_id, NewMessage(
                incoming.direction, self._stored(incoming.text), incoming.photo_file_id,
                request.user_id if incoming.direction == "user" else None, incoming.source_update_id), now,
                relayed=relayed or incoming.direction == "bot")
            if new:
                added.append(message)
        return added

    async def _case(self, tx: store.Conn, case_id: int) -> Case:
        case = await store.get_case(tx, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    async def active_case_for_user(self, user_id: int) -> Case | None:
        async with self.db.transaction() as tx:
            return await store.active_case_for_user(tx, user_id)

    async def position(self, case_id: int) -> int | None:
        """Place in the queue of open cases (1 = next), or None once claimed or finished."""
        async with self.db.transaction() as tx:
            case = await store.get_case(tx, case_id)
            if case is None or case.status != "open":
                return None
            return await store.queue_position(tx, case)

    async def record_user_message(self, user_id: int, *, text: str | None = None,
                                  photo_file_id: str | None = None, source_update_id: int | None = None,
                                  now: datetime | None = None) -> RecordedMessage | None:
        """File a user's message under their active case; None when they have none (the engine answers)."""
        now = self._now(now)
        async with self.db.transaction() as tx:
            if source_update_id is not None:
                seen = await store.message_for_update(tx, user_id, source_update_id)
                if seen is not None:
                    return RecordedMessage(seen, await self._case(tx, seen.case_id), new=False)
            case = await store.active_case_for_user(tx, user_id)
            if case is None:
                return None
            message, new = await store.add_message(tx, case.id, NewMessage(
                "user", self._stored(text), photo_file_id, user_id, source_update_id), now)
            return RecordedMessage(message, case, new)

    async def cancel_by_user(self, user_id: int, *, now: datetime | None = None) -> Case | None:
        """/cancel: withdraw the user's active case; None when there is none."""
        now = self._now(now)
        async with self.db.transaction() as tx:
            case = await store.active_case_for_user(tx, user_id)
            if case is None or not await store.cancel_case(tx, case.id, now):
                return None
            await store.write_audit(tx, user_id, "cancel", case.id, "by the user", True, now)
            return await self._case(tx, case.id)

    async def rate(self, user_id: int, case_id: int, rating: int, *, now: datetime | None = None) -> bool:
        """Satisfaction (1–5) with a closed case of the user's own; False if not theirs or already rated."""
        if rating not in RATINGS:
            raise InvalidInput(f"a rating is 1 to 5, not {rating}")
        async with self.db.transaction() as tx:
            return await store.set_rating(tx, case_id, user_id, rating, self._now(now))

    # --- staff actions -----------------------------------------------------------------------------------

    async def claim(self, actor: Actor, case_id: int, *, now: datetime | None = None) -> ClaimResult:
        """Take an open case. Of concurrent claims exactly one wins; the others learn who has it."""
        now = self._now(now)
        await self.authorise(actor, "claim", case_id, now=now)
        async with self.db.transaction() as tx:
            result: ClaimResult | None = None
            if await store.get_case(tx, case_id) is not None:
                won = await store.claim_case(tx, case_id, actor.user_id, actor.name, now)
                case = await self._case(tx, case_id)
                result = ClaimResult(self._claim_status(won, case, actor), case)
            await store.write_audit(tx, actor.user_id, "claim", case_id,
                                    f"result={result.status}" if result else "no such case", True, now)
        if result is None:
            raise CaseNotFound(case_id)
        return result

    @staticmethod
    def _claim_status(won: bool, case: Case, actor: Actor) -> ClaimStatus:
        if won:
            return "claimed"
        if case.status != "claimed":
            return "finished"
        return "already_yours" if case.claimed_by == actor.user_id else "taken"

    async def close(self, actor: Actor, case_id: int, outcome: Outcome, *, amount: float | None = None,
                    note: str | None = None, now: datetime | None = None) -> CloseResult:
        """Close with an outcome; an amount only for prevented (saved) or lost money."""
        now = self._now(now)
        await self.authorise(actor, "close", case_id, now=now)
        self._check_close(outcome, amount, note)
        async with self.db.transaction() as tx:
            result: CloseResult | None = None
            if await store.get_case(tx, case_id) is not None:
                closed = await store.close_case(tx, case_id, actor.user_id, outcome, amount,
                                                self._stored(note.strip() if note else None) or None, now)
                result = CloseResult(closed, await self._case(tx, case_id))
            detail = ("no such case" if result is None else f"outcome={outcome} amount={amount}"
                      if result.closed else f"already {result.case.status}")
            await store.write_audit(tx, actor.user_id, "close", case_id, detail, True, now)
        if result is None:
            raise CaseNotFound(case_id)
        return result

    @staticmethod
    def _check_close(outcome: str, amount: float | None, note: str | None) -> None:
        if outcome not in OUTCOMES:
            raise InvalidInput(f"unknown outcome {outcome!r}: use {', '.join(OUTCOMES)}")
        if amount is not None and (outcome not in ("prevented", "lost") or amount < 0):
            raise InvalidInput("an amount goes only with prevented or lost, and cannot be negative")
        if note is not None and len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(f"the note is longer than {MAX_NOTE_CHARS} characters")

    async def record_officer_message(self, actor: Actor, case_id: int, *, text: str | None = None,
                                     photo_file_id: str | None = None, source_update_id: int | None = None,
                                     staff_message_id: int | None = None,
                                     now: datetime | None = None) -> RecordedMessage:
        """File a staff reply for relaying to the user; replying to an unclaimed case claims it."""
        now = self._now(now)
        await self.authorise(actor, "reply", case_id, now=now)
        async with self.db.transaction() as tx:
            case = await store.get_case(tx, case_id)
            recorded: RecordedMessage | None = None
            if case is not None and case.active:
                claimed_now = case.status == "open" and await store.claim_case(tx, case_id, actor.user_id,
                                                                              actor.name, now)
                message, new = await store.add_message(tx, case_id, NewMessage(
                    "officer", self._stored(text), photo_file_id, actor.user_id, source_update_id,
                    staff_message_id), now)
                recorded = RecordedMessage(message, await self._case(tx, case_id), new, claimed_now)
            detail = (f"message={recorded.message.id} new={recorded.new} claimed={recorded.claimed_now}"
                      if recorded else ("no such case" if case is None else f"case {case.status}"))
            await store.write_audit(tx, actor.user_id, "reply", case_id, detail, True, now)
        if case is None:
            raise CaseNotFound(case_id)
        if recorded is None:
            raise CaseFinished(case)
        return recorded

    async def reveal(self, actor: Actor, case_id: int, *, now: datetime | None = None) -> CaseView:
        """Unmask the personal data of one case's card, for the staff chat; audited."""
        now = self._now(now)
        await self.authorise(actor, "reveal", case_id, now=now)
        async with self.db.transaction() as tx:
            case = await store.get_case(tx, case_id)
            if case is not None:
                await store.set_revealed(tx, case_id)
            await store.write_audit(tx, actor.user_id, "reveal", case_id, None if case else "no such case",
                                    True, now)
            view = await self._view(tx, case_id) if case else None
        if view is None:
            raise CaseNotFound(case_id)
        return view

    async def queue(self, actor: Actor, *, now: datetime | None = None) -> list[QueueEntry]:
        """Open then claimed cases, each by priority and age, with who is over the first-response target."""
        now = self._now(now)
        await self.authorise(actor, "queue", now=now)
        async with self.db.transaction() as tx:
            cases = await store.active_cases(tx)
            await store.write_audit(tx, actor.user_id, "queue", None, f"{len(cases)} active", True, now)
        return self.queue_entries(cases, now)

    def queue_entries(self, cases: Sequence[Case], now: datetime) -> list[QueueEntry]:
        """Order and flag active cases (already in queue order, as `store.active_cases` returns them)."""
        entries, position = [], 0
        for case in sorted(cases, key=lambda c: c.status != "open"):
            target = self.settings.target(case.priority)
            waiting = case.waiting(now)
            if case.status == "open":
                position += 1
            entries.append(QueueEntry(case, position if case.status == "open" else None, waiting, target,
                                      waiting > target))
        return entries

    async def stats(self, actor: Actor, period: StatsPeriod = "week", *,
                    now: datetime | None = None) -> DeskStats:
        now = self._now(now)
        return await self.stats_between(actor, StatsWindow.last(period, now), now=now)

    async def stats_between(self, actor: Actor, window: StatsWindow, *,
                            now: datetime | None = None) -> DeskStats:
        """The figures the seed articles quote, for cases opened, claimed, closed or rated in the window."""
        now = self._now(now)
        await self.authorise(actor, "stats", now=now)
        start, end = window.start, window.end
        async with self.db.transaction() as tx:
            consultations = await store.count_inquiries(tx, start, end)
            opened = await store.cases_opened(tx, start, end)
            outcomes = await store.outcome_totals(tx, start, end)
            claims = await store.claims_in(tx, start, end)
            ratings = await store.ratings_in(tx, start, end)
            await store.write_audit(tx, actor.user_id, "stats", None, f"{window.period} {store.iso(start)}",
                                    True, now)
        waits = [c.time_to_claim for c in claims if c.time_to_claim is not None]

        def total(outcome: Outcome) -> store.OutcomeTotal:
            return outcomes.get(outcome) or store.OutcomeTotal(outcome, 0, 0.0)

        return DeskStats(
            window=window, consultations=consultations, help_requests=sum(opened.values()),
            cancelled=opened.get("cancelled", 0), claimed=len(claims),
            median_time_to_claim=statistics.median(waits) if waits else None,
            claimed_within_target=sum(1 for c in claims if c.time_to_claim is not None
                                      and c.time_to_claim <= self.settings.target(c.priority)),
            dissuasions=total("prevented").cases, amount_saved=total("prevented").amount,
            lost=total("lost").cases, amount_lost=total("lost").amount,
            not_fraud=total("not_fraud").cases, other=total("other").cases, ratings=tuple(ratings),
        )

    async def audit_trail(self, actor: Actor, *, case_id: int | None = None, limit: int = 50,
                          now: datetime | None = None) -> list[AuditEntry]:
        """The audit log, newest first (reading it is itself audited)."""
        now = self._now(now)
        await self.authorise(actor, "audit", case_id, now=now)
        async with self.db.transaction() as tx:
            entries = await store.audit_entries(tx, case_id=case_id, limit=limit)
            await store.write_audit(tx, actor.user_id, "audit", case_id, None, True, now)
        return entries

    # --- the bot's own bookkeeping (no person acts here) ------------------------------------------------

    async def case_view(self, case_id: int) -> CaseView:
        """A case and all its messages, to (re)draw its card."""
        async with self.db.transaction() as tx:
            return await self._view(tx, case_id)

    async def _view(self, tx: store.Conn, case_id: int) -> CaseView:
        return CaseView(await self._case(tx, case_id), tuple(await store.case_messages(tx, case_id)))

    async def find_case_for_staff_message(self, chat_id: int, *, reply_to_message_id: int | None = None,
                                          topic_id: int | None = None) -> Case | None:
        """The case a staff-chat message belongs to: a reply to its card, an announcement or a relayed
        message, or a message inside its forum topic. Nothing outside the staff chat maps to a case."""
        if chat_id != self.policy.staff_chat_id:
            return None
        async with self.db.transaction() as tx:
            if reply_to_message_id is not None:
                case = (await store.find_by_post(tx, chat_id, reply_to_message_id)
                        or await store.find_by_staff_message(tx, chat_id, reply_to_message_id))
                if case is not None:
                    return case
            if topic_id is not None:
                return await store.find_by_topic(tx, chat_id, topic_id)
        return None

    async def attach_card(self, case_id: int, *, chat_id: int, message_id: int, topic_id: int | None = None,
                          announce: bool = True, now: datetime | None = None) -> Case:
        """Remember the card posted for a case (and its forum topic); posting it counts as an announcement."""
        now = self._now(now)
        async with self.db.transaction() as tx:
            await store.set_card(tx, case_id, chat_id, message_id, topic_id, now)
            if announce:
                await store.mark_announced(tx, case_id, now)
            return await self._case(tx, case_id)

    async def mark_announced(self, case_id: int, *, chat_id: int | None = None, message_id: int | None = None,
                             now: datetime | None = None) -> Case:
        """A re-announcement went out; its message (if given) then also leads staff replies to the case."""
        now = self._now(now)
        async with self.db.transaction() as tx:
            await store.mark_announced(tx, case_id, now)
            if chat_id is not None and message_id is not None:
                await store.add_post(tx, case_id, chat_id, message_id, "announcement", now)
            return await self._case(tx, case_id)

    async def due_for_announcement(self, *, now: datetime | None = None) -> list[Case]:
        """Open cases never announced (no card yet: post one) or unclaimed past their re-announce wait."""
        async with self.db.transaction() as tx:
            return await store.due_for_announcement(tx, self._now(now), self.settings.reannounce_waits)

    async def active_cases(self) -> list[Case]:
        async with self.db.transaction() as tx:
            return await store.active_cases(tx)

    async def mark_relayed(self, message_id: int, *, staff_message_id: int | None = None,
                           now: datetime | None = None) -> None:
        """The message went out; for a user's message, `staff_message_id` is its copy in the staff chat."""
        async with self.db.transaction() as tx:
            await store.mark_relayed(tx, message_id, staff_message_id, self._now(now))

    async def pending_relays(self) -> list[RecordedMessage]:
        """Messages of active cases recorded but never passed on (the process stopped in between)."""
        async with self.db.transaction() as tx:
            messages = await store.pending_relays(tx)
            return [RecordedMessage(m, await self._case(tx, m.case_id), new=False) for m in messages]

    async def mark_user_unreachable(self, case_id: int, *, now: datetime | None = None) -> Case:
        """The user blocked the bot: the case stays for staff to close, the card says why replies fail."""
        async with self.db.transaction() as tx:
            await store.mark_unreachable(tx, case_id, self._now(now))
            return await self._case(tx, case_id)
