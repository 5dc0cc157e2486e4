"""Sending a published bulletin to every subscriber: rate-limited, resumable, every delivery recorded.

Each subscriber gets the map picture (captioned with the bulletin's title), then the text with their own
districts' lines first. Every message is written to `deliveries` before it is handed to the Sender
('sending', committed) and after it returns (sent / pending for the next message / failed / blocked).

What happens when the process dies (the choice, and why):
- Cancelling the broadcast task (a clean shutdown, or a kill simulated in tests) stops new sends at
  once, but a message already handed to the Sender is allowed to finish (up to `drain_timeout`) and its
  outcome is recorded: a clean stop leaves no delivery with an unknown outcome, and a restart resumes
  with no subscriber missed and none served twice.
- After a hard crash (SIGKILL, power loss) a delivery may be left 'sending': its message may or may not
  have reached Telegram, and the Bot API offers no way to ask. Sending it again would risk a duplicate;
  we choose at-most-once: the unknown message is counted as done and never resent, the delivery is
  flagged `uncertain` and counted in the report, and any later message of it (the text after the map)
  is still sent. Only messages in flight at the instant of the crash are affected (a handful at
  most), and a message is marked 'sending' only right before the Sender gets it, never while queued.
- A flood wait (RetryLater) or a DeliveryFailed with `retryable=True` means the message certainly did
  not go out: it is retried, up to `max_attempts` sends per delivery.

This module knows nothing of Telegram: the adapter implements Sender and maps Telegram's errors
(Forbidden → RecipientBlocked, RetryAfter → RetryLater, anything else → DeliveryFailed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.services.bulletin.area import Area
from bot.services.bulletin.build import subscriber_text
from bot.storage import bulletins, deliveries, subscriptions
from bot.storage.bulletins import StoredBulletin
from bot.storage.db import Database
from bot.storage.deliveries import UNSUBSCRIBED, Broadcast, Delivery, DeliveryCounts
from bot.storage.subscriptions import Subscription

logger = logging.getLogger(__name__)


class Sender(Protocol):
    """One channel's way of sending; raises RecipientBlocked, RetryLater or DeliveryFailed."""

    async def send_text(self, chat_id: int, text: str) -> None: ...

    async def send_photo(self, chat_id: int, png: bytes, caption: str) -> None: ...


class RecipientBlocked(Exception):
    """The user blocked the bot or deleted their account: never send to them again."""


class RetryLater(Exception):
    """Flood control: nothing was sent; wait `seconds` before sending anything."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"retry after {seconds} s")


class DeliveryFailed(Exception):
    """The message was not delivered; `retryable` only when it certainly did not go out."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        self.reason = reason
        self.retryable = retryable
        super().__init__(reason)


class BulletinNotPublished(Exception):
    """Only a published bulletin is broadcast."""


class BroadcastRunning(Exception):
    """This broadcast is already being sent by this process."""


@dataclass(frozen=True)
class BroadcastSettings:
    # Telegram allows about 30 messages a second overall; pacing a little under it keeps a sliding
    # one-second window from ever seeing 31 when requests bunch up in transit.
    messages_per_second: float = 29.0
    per_chat_interval: float = 1.0  # seconds between two messages to one chat
    concurrency: int = 50  # subscribers in progress at once (each waits ~1 s between its two messages)
    max_attempts: int = 5  # sends per delivery, retries after flood waits included
    progress_interval: float = 5.0  # seconds between progress reports (a staff-chat message edit each)
    drain_timeout: float = 15.0  # on cancel, how long an in-flight message may take to finish


@dataclass(frozen=True)
class BroadcastProgress:
    broadcast_id: int
    total: int
    sent: int
    failed: int
    blocked: int
    skipped: int
    uncertain: int
    remaining: int

    @classmethod
    def of(cls, broadcast_id: int, counts: DeliveryCounts) -> BroadcastProgress:
        return cls(
            broadcast_id,
            counts.total,
            counts.sent,
            counts.failed,
            counts.blocked,
            counts.skipped,
            counts.uncertain,
            counts.remaining,
        )


@dataclass(frozen=True)
class BroadcastReport:
    progress: BroadcastProgress
    messages_sent: int  # by this run
    seconds: float  # of this run

    @property
    def messages_per_second(self) -> float:
        return self.messages_sent / self.seconds if self.seconds > 0 else 0.0


ProgressCallback = Callable[[BroadcastProgress], Awaitable[None]]


@dataclass(frozen=True)
class Message:
    text: str
    png: bytes | None = None  # a photo with `text` as its caption


def bulletin_messages(bulletin: StoredBulletin, subscription: Subscription, area: Area | None = None) -> list[Message]:
    """What one subscriber receives: the map captioned with the title, then their text."""
    text = subscriber_text(bulletin, subscription.districts, subscription.lang, area)
    if bulletin.map_png is None:
        return [Message(text)]
    caption = bulletin.text(subscription.lang).split("\n", 1)[0]
    return [Message(caption, bulletin.map_png), Message(text)]


class SendPacer:
    """Spaces sends at most `messages_per_second` overall and `per_chat_interval` apart per chat."""

    def __init__(self, messages_per_second: float, per_chat_interval: float) -> None:
        self._interval = 1.0 / messages_per_second
        self._per_chat = per_chat_interval
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_free_at: dict[int, float] = {}

    async def turn(self, chat_id: int) -> None:
        """Return when this chat may be sent its next message."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            chat_wait = self._chat_free_at.get(chat_id, 0.0) - now
            if chat_wait > 0:
                await asyncio.sleep(chat_wait)
                continue
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self._interval
            if slot > now:
                await asyncio.sleep(slot - now)
            now = loop.time()
            if now >= self._paused_until and now >= self._chat_free_at.get(chat_id, 0.0):
                self._chat_free_at[chat_id] = now + self._per_chat
                return

    def starting(self, chat_id: int) -> None:
        """The send to this chat really starts now: its next message waits a full interval from here."""
        now = asyncio.get_running_loop().time()
        self._chat_free_at[chat_id] = max(self._chat_free_at.get(chat_id, 0.0), now + self._per_chat)

    async def wait_if_paused(self) -> None:
        """A flood wait that arrived after this send got its turn still holds it back."""
        loop = asyncio.get_running_loop()
        while (delay := self._paused_until - loop.time()) > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Telegram asked us to wait: nobody sends before then."""
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until = max(self._paused_until, until)
        self._next_slot = max(self._next_slot, self._paused_until)


class BroadcastService:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        area: Area | None = None,
        settings: BroadcastSettings = BroadcastSettings(),
    ) -> None:
        self.db = db
        self.sender = sender
        self.area = area
        self.settings = settings
        self._running: set[int] = set()

    async def start(self, bulletin_id: int, progress_chat_id: int | None = None) -> int:
        """Create the broadcast of a published bulletin to all active subscribers (once per bulletin)."""
        bulletin = await bulletins.get_bulletin(self.db, bulletin_id)
        if bulletin is None:
            raise LookupError(f"no bulletin {bulletin_id}")
        if not bulletin.published:
            raise BulletinNotPublished(f"bulletin {bulletin_id} ({bulletin.area} {bulletin.week}) is not published")
        recipients = [(s.user_id, s.chat_id) for s in await subscriptions.list_active(self.db)]
        return await deliveries.create_broadcast(self.db, bulletin_id, recipients, progress_chat_id)

    async def unfinished(self) -> list[Broadcast]:
        """Broadcasts to resume after a restart."""
        return await deliveries.unfinished_broadcasts(self.db)

    async def run(self, broadcast_id: int, on_progress: ProgressCallback | None = None) -> BroadcastReport:
        """Send every pending delivery of the broadcast; safe to call again after any interruption."""
        if broadcast_id in self._running:
            raise BroadcastRunning(f"broadcast {broadcast_id} is already running")
        broadcast = await deliveries.get_broadcast(self.db, broadcast_id)
        if broadcast is None:
            raise LookupError(f"no broadcast {broadcast_id}")
        bulletin = await bulletins.get_bulletin(self.db, broadcast.bulletin_id)
        assert bulletin is not None  # deliveries reference bulletins
        self._running.add(broadcast_id)
        try:
            return await self._run(broadcast, bulletin, on_progress)
        finally:
            self._running.discard(broadcast_id)

    async def _run(
        self, broadcast: Broadcast, bulletin: StoredBulletin, on_progress: ProgressCallback | None
    ) -> BroadcastReport:
        loop = asyncio.get_running_loop()
        started = loop.time()
        part_count = 2 if bulletin.map_png is not None else 1
        settled = await deliveries.settle_interrupted(self.db, broadcast.id, part_count)
        if settled:
            logger.warning(
                "broadcast %s: %s deliveries were interrupted mid-send; not resending those messages",
                broadcast.id,
                settled,
            )
        queue: asyncio.Queue[Delivery] = asyncio.Queue()
        for delivery in await deliveries.deliveries(self.db, broadcast.id, "pending"):
            queue.put_nowait(delivery)
        run = _Run(
            self,
            broadcast.id,
            bulletin,
            SendPacer(self.settings.messages_per_second, self.settings.per_chat_interval),
        )
        reporter = asyncio.create_task(self._report_progress(broadcast.id, on_progress)) if on_progress else None
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.settings.concurrency, max(queue.qsize(), 1))):
                    group.create_task(run.worker(queue))
        finally:
            if reporter is not None:
                reporter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reporter
        await deliveries.finish_broadcast(self.db, broadcast.id)
        progress = BroadcastProgress.of(broadcast.id, await deliveries.counts(self.db, broadcast.id))
        if on_progress is not None:
            await on_progress(progress)
        return BroadcastReport(progress, run.messages_sent, loop.time() - started)

    async def _report_progress(self, broadcast_id: int, on_progress: ProgressCallback) -> None:
        while True:
            await asyncio.sleep(self.settings.progress_interval)
            try:
                await on_progress(BroadcastProgress.of(broadcast_id, await deliveries.counts(self.db, broadcast_id)))
            except Exception:
                logger.exception("progress report failed")  # a progress message must never stop the sending


class _Run:
    """One run of one broadcast: workers take subscribers from a queue and send them their messages."""

    def __init__(self, service: BroadcastService, broadcast_id: int, bulletin: StoredBulletin, pacer: SendPacer):
        self.service = service
        self.db = service.db
        self.settings = service.settings
        self.broadcast_id = broadcast_id
        self.bulletin = bulletin
        self.pacer = pacer
        self.messages_sent = 0

    async def worker(self, queue: asyncio.Queue[Delivery]) -> None:
        while not queue.empty():
            await self.deliver(queue.get_nowait())

    async def deliver(self, delivery: Delivery) -> None:
        subscription = await subscriptions.get_subscription(self.db, delivery.user_id)
        if subscription is None or not subscription.active:
            await deliveries.mark_failed(self.db, self.broadcast_id, delivery.user_id, UNSUBSCRIBED)
            return
        messages = bulletin_messages(self.bulletin, subscription, self.service.area)
        attempts = delivery.attempts
        index = delivery.parts_done
        while index < len(messages):
            if attempts >= self.settings.max_attempts:
                await deliveries.mark_failed(
                    self.db, self.broadcast_id, delivery.user_id, f"gave up after {attempts} attempts"
                )
                return
            await self.pacer.turn(delivery.chat_id)
            attempts += 1
            outcome = await self._shielded(self._send(delivery, messages, index))
            if outcome == "sent":
                index += 1
            elif outcome != "retry":
                return

    async def _shielded(self, send: Awaitable[str]) -> str:
        """A message handed to the Sender finishes and is recorded even if the broadcast is cancelled."""
        task = asyncio.ensure_future(send)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task}, timeout=self.settings.drain_timeout)
            task.cancel()  # still hanging: its delivery stays 'sending' and is settled as uncertain on resume
            raise

    async def _send(self, delivery: Delivery, messages: Sequence[Message], index: int) -> str:
        broadcast_id, user_id, chat_id = self.broadcast_id, delivery.user_id, delivery.chat_id
        message = messages[index]
        await deliveries.mark_sending(self.db, broadcast_id, user_id)
        await self.pacer.wait_if_paused()
        self.pacer.starting(chat_id)
        try:
            if message.png is not None:
                await self.service.sender.send_photo(chat_id, message.png, message.text)
            else:
                await self.service.sender.send_text(chat_id, message.text)
        except RecipientBlocked as exc:
            await deliveries.mark_blocked(self.db, broadcast_id, user_id, str(exc) or "blocked the bot")
            return "blocked"
        except RetryLater as exc:
            self.pacer.pause(exc.seconds)
            await deliveries.mark_retry(self.db, broadcast_id, user_id, f"flood wait {exc.seconds} s")
            return "retry"
        except DeliveryFailed as exc:
            if exc.retryable:
                await deliveries.mark_retry(self.db, broadcast_id, user_id, exc.reason)
                return "retry"
            await deliveries.mark_failed(self.db, broadcast_id, user_id, exc.reason)
            return "failed"
        except Exception as exc:  # an unknown error may have happened after sending: do not retry
            logger.exception("broadcast %s: sending to user %s failed", broadcast_id, user_id)
            await deliveries.mark_failed(self.db, broadcast_id, user_id, f"{type(exc).__name__}: {exc}")
            return "failed"
        self.messages_sent += 1
        await deliveries.mark_part_sent(self.db, broadcast_id, user_id, index + 1, finished=index + 1 == len(messages))
        return "sent"
