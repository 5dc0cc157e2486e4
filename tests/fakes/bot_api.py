"""A fake Telegram Bot API server on loopback, for driving python-telegram-bot end to end.

Point PTB at it with ``base_url=fake.base_url`` and ``base_file_url=fake.base_file_url``; inject
what users do with the ``add_*`` methods, inspect what the bot did with ``calls``,
``sent_messages`` and ``wait_for``, and break things with ``fail_next``, ``block_user`` and
``rate_limit``.
"""

import asyncio
import contextlib
import copy
import inspect
import itertools
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypedDict, TypeVar, Unpack

from aiohttp import web

from .formatting import Entity, detect_entities
from .methods import FakeTelegram, Params, UploadedFile, decode_form_value
from .rate_limit import SendRateLimit
from .state import (
    GROUP_TYPES,
    PRIVATE,
    ApiError,
    Chat,
    JsonDict,
    bad_request,
    now_timestamp,
    public_message,
    user_dict,
)

logger = logging.getLogger(__name__)

# Telegram accepts uploads up to 50 MB; aiohttp's 1 MB default would refuse ordinary photos.
MAX_REQUEST_BYTES = 60 * 1024 * 1024
DEFAULT_FIRST_NAME = "测试用户"
# nginx's code for "the client closed the connection before the answer"; recorded, never sent.
CLIENT_CLOSED_REQUEST = 499
_ERROR_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
T = TypeVar("T")


@dataclass
class RecordedCall:
    """One Bot API request as the server saw it; status and response are set once it is answered."""

    method: str
    params: JsonDict
    time: float
    known: bool = True
    status: int | None = None
    response: JsonDict | None = None

    @property
    def result(self) -> Any:
        return self.response.get("result") if self.response else None

    def describe(self, started: float) -> str:
        params = json.dumps(self.params, ensure_ascii=False, default=repr)
        if len(params) > 300:
            params = params[:297] + "..."
        outcome = "pending" if self.status is None else str(self.status)
        if self.response and not self.response.get("ok"):
            outcome = f"{outcome} {self.response.get('description')}"
        if self.status == CLIENT_CLOSED_REQUEST:
            outcome += " (client had gone)"
        return f"  +{self.time - started:.3f}s {self.method} {params} -> {outcome}"


class UserMessageOptions(TypedDict, total=False):
    """Who sends an injected message, where, and in reply to what."""

    chat_id: int
    chat_type: str
    chat_title: str
    first_name: str
    last_name: str
    username: str
    language_code: str | None
    reply_to_message_id: int | None
    message_thread_id: int | None
    forward_origin: JsonDict | None


@dataclass
class _Waiters:
    """Wakes coroutines waiting for "something was recorded"."""

    event: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        self.event.set()
        self.event = asyncio.Event()

    async def wait_until(
        self, check: Callable[[], T | None], timeout: float, failure: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(failure())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), remaining)


class FakeBotApi:
    """The fake server plus its test API; all methods must run on the event loop that started it."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "fraudbot_test_bot",
        *,
        delay_seconds: float = 0.0,
        first_update_id: int = 100_000,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.delay_seconds = delay_seconds
        self.telegram = FakeTelegram(token, bot_username, first_update_id)
        self.calls: list[RecordedCall] = []
        self.downloads: list[str] = []
        self.port = 0
        self._started = time.monotonic()
        self._failures: dict[str, deque[ApiError]] = {}
        self._waiters = _Waiters()
        self._runner: web.AppRunner | None = None
        self._update_messages: dict[int, tuple[int, int]] = {}
        self._callback_ids = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._started = time.monotonic()
        self.telegram.updates.closing = False

    async def stop(self) -> None:
        if self._runner is None:
            return
        # Answer pending long polls now, or cleanup would wait for their timeouts.
        self.telegram.updates.closing = True
        self.telegram.updates.wake()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- HTTP --------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        try:
            params, body_error = await _read_params(request), None
        except ValueError as error:
            params, body_error = {}, bad_request(f"can't parse request body: {error}")
        resolved = self.telegram.resolve(name)
        call = RecordedCall(resolved[0] if resolved else name, params, time.monotonic(), resolved is not None)
        self.calls.append(call)
        self._waiters.notify()
        try:
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            if body_error is not None:
                raise body_error
            status, body = 200, {"ok": True, "result": await self._answer(request, call)}
        except ApiError as error:
            status, body = error.error_code, error.payload()
        except Exception as error:  # a bug in the fake must reach the test, not vanish in aiohttp
            logger.exception("fake Bot API failed on %s", name)
            status = 500
            body = {"ok": False, "error_code": 500, "description": f"Internal Server Error: {error!r}"}
        if request.transport is None or request.transport.is_closing():
            # The client gave up (e.g. PTB cancelled its long poll on shutdown): nobody reads this answer.
            status, body = CLIENT_CLOSED_REQUEST, {**body, "client_closed_request": True}
        call.status, call.response = status, body
        self._waiters.notify()
        return web.json_response(body, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

    async def _answer(self, request: web.Request, call: RecordedCall) -> Any:
        if request.match_info["token"] != self.token:
            raise ApiError(401, "Unauthorized")
        resolved = self.telegram.resolve(call.method)
        if resolved is None:
            raise ApiError(404, "Not Found: method not found")
        failures = self._failures.get(call.method.lower())
        if failures:
            raise failures.popleft()
        result = resolved[1](Params(call.params))
        return await result if inspect.isawaitable(result) else result

    async def _handle_download(self, request: web.Request) -> web.Response:
        file_path = request.match_info["file_path"]
        self.downloads.append(file_path)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        stored = self.telegram.files.at_path(file_path)
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    # -- failure injection and server behaviour ----------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        retry_after: int = 1,
        count: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` with a Telegram-shaped error instead of running it."""
        if error_code == 429:
            error = ApiError(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        else:
            error = ApiError(
                error_code, description or _ERROR_DESCRIPTIONS.get(error_code, "Injected failure")
            )
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend(error for _ in range(count))

    def block_user(self, chat_id: int) -> None:
        """The user blocked the bot: sends to this chat answer 403."""
        self.telegram.blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self.telegram.blocked.discard(chat_id)

    def rate_limit(
        self,
        messages_per_second: float | None,
        *,
        per_chat_per_second: float = 1.0,
        per_chat_burst: float = 3.0,
    ) -> None:
        """Enforce a global send rate and Telegram's per-private-chat rate; None switches both off."""
        if messages_per_second is None:
            self.telegram.send_rate_limit = None
            return
        self.telegram.send_rate_limit = SendRateLimit(
            messages_per_second, per_chat_per_second, per_chat_burst
        )

    def private_chat(
        self,
        user_id: int,
        first_name: str = DEFAULT_FIRST_NAME,
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> None:
        """A user who has started the bot before, so the bot may message them."""
        self.telegram.register_chat(
            Chat(user_id, PRIVATE, first_name=first_name, last_name=last_name, username=username)
        )

    def group_chat(self, chat_id: int, title: str = "测试群", *, chat_type: str = "supergroup") -> None:
        """A group the bot is a member of."""
        self.telegram.register_chat(Chat(chat_id, chat_type, title=title))

    def forum_chat(self, chat_id: int, title: str = "值班台") -> None:
        """A supergroup with topics enabled, where createForumTopic works."""
        chat = self.telegram.register_chat(Chat(chat_id, "supergroup", title=title))
        if not chat.is_forum:
            chat.type, chat.is_forum = "supergroup", True
            # Message 1 of a forum is its General topic; real topics get later ids.
            self.telegram.messages.allocate_id(chat_id)

    # -- injecting what users do -------------------------------------------------------------------

    def add_update(self, raw: JsonDict) -> int:
        """Queue any update as-is (an update_id is assigned if missing)."""
        return self.telegram.updates.push(copy.deepcopy(raw))

    def add_text(
        self,
        user_id: int,
        text: str,
        *,
        entities: list[Entity] | None = None,
        **options: Unpack[UserMessageOptions],
    ) -> int:
        """A user sends a text message; commands, links and mentions get entities as on Telegram."""
        content: JsonDict = {"text": text}
        found = detect_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return self._add_user_message(user_id, content, options)

    def add_photo(
        self,
        user_id: int,
        image_bytes: bytes,
        caption: str | None = None,
        **options: Unpack[UserMessageOptions],
    ) -> int:
        """A user sends a photo; it gets thumbnails and can be fetched with getFile."""
        content = {"photo": self.telegram.files.add_photo(image_bytes), **_caption(caption)}
        return self._add_user_message(user_id, content, options)

    def add_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        **options: Unpack[UserMessageOptions],
    ) -> int:
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self.telegram.files.add("document", data, extension, mime_type, file_name)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._add_user_message(user_id, {"document": document, **_caption(caption)}, options)

    def add_sticker(
        self,
        user_id: int,
        emoji: str = "👍",
        *,
        data: bytes = b"",
        set_name: str | None = None,
        **options: Unpack[UserMessageOptions],
    ) -> int:
        stored = self.telegram.files.add("sticker", data, "webp", "image/webp")
        sticker: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(data),
        }
        if set_name:
            sticker["set_name"] = set_name
        return self._add_user_message(user_id, {"sticker": sticker}, options)

    def add_voice(
        self,
        user_id: int,
        data: bytes = b"",
        *,
        duration: int = 3,
        mime_type: str = "audio/ogg",
        **options: Unpack[UserMessageOptions],
    ) -> int:
        stored = self.telegram.files.add("voice", data, "oga", mime_type)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._add_user_message(user_id, {"voice": voice}, options)

    def add_location(
        self, user_id: int, latitude: float, longitude: float, **options: Unpack[UserMessageOptions]
    ) -> int:
        return self._add_user_message(
            user_id, {"location": {"latitude": latitude, "longitude": longitude}}, options
        )

    def add_edited_text(
        self,
        user_id: int,
        message_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        entities: list[Entity] | None = None,
    ) -> int:
        """The user edits one of their earlier text messages."""
        message = self.telegram.messages.get(user_id if chat_id is None else chat_id, message_id)
        if message is None or message["from"]["id"] != user_id:
            raise ValueError(f"user {user_id} has no message {message_id} in chat {chat_id or user_id}")
        message["text"] = text
        message.pop("entities", None)
        found = detect_entities(text) if entities is None else entities
        if found:
            message["entities"] = found
        message["edit_date"] = now_timestamp()
        return self._push_message_update("edited_message", message)

    def add_callback(
        self,
        user_id: int,
        data: str,
        message_id: int,
        chat_id: int | None = None,
        *,
        first_name: str = DEFAULT_FIRST_NAME,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> int:
        """The user presses an inline button with `data` under message `message_id`."""
        message = self.telegram.messages.get(user_id if chat_id is None else chat_id, message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id or user_id} to press a button under")
        query_id = f"{self.telegram.bot_user['id']}{next(self._callback_ids):08d}"
        self.telegram.open_callback_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user_dict(user_id, first_name, None, username, language_code),
            "message": public_message(message),
            "chat_instance": f"instance-{message['chat']['id']}",
            "data": data,
        }
        return self.telegram.updates.push({"callback_query": query})

    def _add_user_message(self, user_id: int, content: JsonDict, options: UserMessageOptions) -> int:
        chat = self._user_chat(user_id, options)
        thread_id = options.get("message_thread_id")
        if thread_id is not None and chat.is_forum and thread_id not in chat.topics:
            raise ValueError(
                f"chat {chat.id} has no topic {thread_id}; create it with createForumTopic first"
            )
        reply_to = None
        reply_id = options.get("reply_to_message_id")
        if reply_id is not None:
            reply_to = self.telegram.messages.get(chat.id, reply_id)
            if reply_to is None:
                raise ValueError(f"no message {reply_id} in chat {chat.id} to reply to")
        origin = options.get("forward_origin")
        if origin is not None:
            content["forward_origin"] = {"date": now_timestamp(), **origin}
        sender = user_dict(
            user_id,
            options.get("first_name", DEFAULT_FIRST_NAME),
            options.get("last_name"),
            options.get("username"),
            options.get("language_code", "zh-hans"),
        )
        in_forum = thread_id if chat.is_forum else None
        message = self.telegram.new_message(chat, sender, content, thread_id=in_forum, reply_to=reply_to)
        return self._push_message_update("message", message)

    def _user_chat(self, user_id: int, options: UserMessageOptions) -> Chat:
        chat_type = options.get("chat_type", PRIVATE)
        if chat_type == PRIVATE:
            # Telegram lets nobody write to a bot they have blocked: writing means unblocking.
            self.telegram.blocked.discard(user_id)
            return self.telegram.register_chat(
                Chat(
                    user_id,
                    PRIVATE,
                    first_name=options.get("first_name", DEFAULT_FIRST_NAME),
                    last_name=options.get("last_name"),
                    username=options.get("username"),
                )
            )
        if chat_type not in GROUP_TYPES or "chat_id" not in options:
            raise ValueError(f"a {chat_type!r} message needs chat_id and a chat_type in {GROUP_TYPES}")
        title = options.get("chat_title", "测试群")
        return self.telegram.register_chat(Chat(options["chat_id"], chat_type, title=title))

    def _push_message_update(self, kind: str, message: JsonDict) -> int:
        update_id = self.telegram.updates.push({kind: public_message(message)})
        self._update_messages[update_id] = (message["chat"]["id"], message["message_id"])
        return update_id

    # -- inspection --------------------------------------------------------------------------------

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot has passed to getUpdates: updates below it are gone for good."""
        return self.telegram.updates.confirmed_offset

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Queued updates the bot has not confirmed yet."""
        return self.telegram.updates.pending

    @property
    def unknown_calls(self) -> list[RecordedCall]:
        """Calls of methods the fake does not implement (each was answered 404)."""
        return [call for call in self.calls if not call.known]

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def message_id_of(self, update_id: int) -> int:
        """The message_id Telegram gave the user message injected as `update_id`."""
        return self._update_messages[update_id][1]

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """The stored message as it is now (after edits), or None if deleted or unknown."""
        stored = self.telegram.messages.get(chat_id, message_id)
        return copy.deepcopy(stored) if stored is not None else None

    def sent_messages(self, chat_id: int | None = None) -> list[JsonDict]:
        """Messages the bot sent (sendMessage/sendPhoto/sendDocument/copy/forward), oldest first.

        Each is the stored message as it stands now: edits applied, deleted ones left out, and
        reply_markup kept even for reply keyboards (which Telegram does not echo back).
        """
        found = []
        for sent_chat, message_id in self.telegram.sent:
            if chat_id is not None and sent_chat != chat_id:
                continue
            stored = self.telegram.messages.get(sent_chat, message_id)
            if stored is not None:
                found.append(copy.deepcopy(stored))
        return found

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """What setMyCommands stored for this scope and language."""
        return self.telegram.get_my_commands(Params({"scope": scope, "language_code": language_code}))

    @property
    def webhook_url(self) -> str | None:
        return self.telegram.webhook.url if self.telegram.webhook else None

    async def wait_for(
        self, predicate: str | Callable[[RecordedCall], bool], timeout: float = 5.0, *, answered: bool = True
    ) -> RecordedCall:
        """The first call matching `predicate` (a method name or a test on the call).

        Only answered calls count unless `answered=False`, which also sees requests still being
        served, such as a long poll in progress.
        """
        matches = _call_matcher(predicate)

        def check() -> RecordedCall | None:
            candidates = (call for call in self.calls if call.status is not None or not answered)
            return next((call for call in candidates if matches(call)), None)

        def failure() -> str:
            return (
                f"no Bot API call matched {predicate!r} within {timeout}s. Recorded calls:\n"
                + self.describe_calls()
            )

        return await self._waiters.wait_until(check, timeout, failure)

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 5.0) -> list[JsonDict]:
        """The bot's messages in `chat_id` once there are at least `count` of them."""

        def check() -> list[JsonDict] | None:
            messages = self.sent_messages(chat_id)
            return messages if len(messages) >= count else None

        def failure() -> str:
            got = len(self.sent_messages(chat_id))
            return (
                f"expected {count} bot messages in chat {chat_id} within {timeout}s, got {got}. "
                f"Recorded calls:\n{self.describe_calls()}"
            )

        return await self._waiters.wait_until(check, timeout, failure)

    def describe_calls(self) -> str:
        if not self.calls:
            return "  (none)"
        return "\n".join(call.describe(self._started) for call in self.calls)


def _call_matcher(predicate: str | Callable[[RecordedCall], bool]) -> Callable[[RecordedCall], bool]:
    if isinstance(predicate, str):
        return lambda call: call.method.lower() == predicate.lower()
    return predicate


def _caption(caption: str | None) -> JsonDict:
    if not caption:
        return {}
    content: JsonDict = {"caption": caption}
    entities = detect_entities(caption)
    if entities:
        content["caption_entities"] = entities
    return content


async def _read_params(request: web.Request) -> JsonDict:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    params: JsonDict = {name: decode_form_value(name, value) for name, value in request.query.items()}
    if request.content_type == "application/json" and request.can_read_body:
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("the JSON body is not an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                params[name] = UploadedFile(name, value.filename, value.content_type, value.file.read())
            else:
                params[name] = decode_form_value(name, str(value))
    return params
