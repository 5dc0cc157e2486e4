"""Server-side flood control shaped like Telegram's: a global send rate and ~1 message/s per private chat."""

import math
from collections import deque
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    """At most `limit` events in any `window`-second span."""

    limit: float
    window: float = 1.0
    _events: deque[float] = field(default_factory=deque)

    def retry_after(self, now: float) -> float | None:
        """Seconds until one more event fits, or None if it fits now."""
        while self._events and self._events[0] <= now - self.window:
            self._events.popleft()
        if len(self._events) < self.limit:
            return None
        return self._events[0] + self.window - now

    def record(self, now: float) -> None:
        self._events.append(now)


@dataclass
class TokenBucket:
    """`burst` events at once, then `rate` per second."""

    rate: float
    burst: float
    _tokens: float = -1.0
    _updated: float = 0.0

    def retry_after(self, now: float) -> float | None:
        if self._tokens < 0:
            self._tokens, self._updated = self.burst, now
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1:
            return None
        return (1 - self._tokens) / self.rate

    def record(self, now: float) -> None:
        self._tokens -= 1


@dataclass
class SendRateLimit:
    """Admits a send only if both the global window and the chat's bucket allow it."""

    messages_per_second: float
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 3.0
    _global: SlidingWindow = field(init=False)
    _chats: dict[int | str, TokenBucket] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._global = SlidingWindow(self.messages_per_second)

    def admit(self, chat_id: int | str, is_private: bool, now: float) -> int | None:
        """None if the send may go ahead (and counts it); else Telegram's whole-second retry_after."""
        waits = [self._global.retry_after(now)]
        bucket = self._bucket(chat_id) if is_private else None
        if bucket is not None:
            waits.append(bucket.retry_after(now))
        longest = max((wait for wait in waits if wait is not None), default=None)
        if longest is not None:
            return max(1, math.ceil(longest))
        self._global.record(now)
        if bucket is not None:
            bucket.record(now)
        return None

    def _bucket(self, chat_id: int | str) -> TokenBucket:
        if chat_id not in self._chats:
            self._chats[chat_id] = TokenBucket(self.per_chat_per_second, self.per_chat_burst)
        return self._chats[chat_id]
