"""What the fake Telegram server remembers: chats, messages, files and the update queue."""

import asyncio
import contextlib
import copy
import io
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]
ChatId = int | str

PRIVATE = "private"
GROUP_TYPES = ("group", "supergroup", "channel")
# Telegram's default when allowed_updates was never set: everything but these three.
_NOT_DELIVERED_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
THUMBNAIL_SIDES = (90, 320)


class ApiError(Exception):
    """A Bot API error answer: HTTP status = error_code, plus the description Telegram would send."""

    def __init__(self, error_code: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def now_timestamp() -> int:
    return int(time.time())


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None

    def as_file(self) -> JsonDict:
        """The Bot API File object returned by getFile."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


_FILE_FOLDERS = {"photo": "photos", "document": "documents", "sticker": "stickers", "voice": "voice"}


class FileStore:
    """Uploaded and injected files, addressable by file_id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)
        self._photo_sizes: dict[str, list[JsonDict]] = {}

    def add(
        self,
        kind: str,
        data: bytes,
        extension: str,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        number = next(self._numbers)
        stored = StoredFile(
            file_id=f"fake-{kind}-{number}",
            file_unique_id=f"unique-{kind}-{number}",
            kind=kind,
            data=data,
            file_path=f"{_FILE_FOLDERS.get(kind, 'files')}/file_{number}.{extension}",
            mime_type=mime_type,
            file_name=file_name,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def at_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def add_photo(self, data: bytes) -> list[JsonDict]:
        """PhotoSize list, smallest first, as Telegram makes thumbnails; the largest keeps the bytes."""
        from PIL import Image, UnidentifiedImageError

        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError("not an image Telegram could process") from error
        sizes = [self._thumbnail(image, side) for side in THUMBNAIL_SIDES if max(image.size) > side]
        sizes.append(self._photo_size(self.add("photo", data, "jpg"), *image.size))
        for size in sizes:
            self._photo_sizes[size["file_id"]] = sizes
        return copy.deepcopy(sizes)

    def photo_sizes(self, file_id: str) -> list[JsonDict] | None:
        sizes = self._photo_sizes.get(file_id)
        return copy.deepcopy(sizes) if sizes is not None else None

    def _thumbnail(self, image: Any, side: int) -> JsonDict:
        thumbnail = image.convert("RGB")
        thumbnail.thumbnail((side, side))
        buffer = io.BytesIO()
        thumbnail.save(buffer, "JPEG", quality=80)
        return self._photo_size(self.add("photo", buffer.getvalue(), "jpg"), *thumbnail.size)

    @staticmethod
    def _photo_size(stored: StoredFile, width: int, height: int) -> JsonDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": width,
            "height": height,
        }


@dataclass
class Chat:
    id: ChatId
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    topics: dict[int, str] = field(default_factory=dict)

    def as_chat(self) -> JsonDict:
        fields = {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "is_forum": self.is_forum or None,
        }
        return {key: value for key, value in fields.items() if value is not None}

    def as_full_info(self) -> JsonDict:
        """ChatFullInfo as getChat returns it (PTB requires the colour, reaction and gift fields)."""
        gift_types = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **self.as_chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {**dict.fromkeys(gift_types, True), "gifts_from_channels": False},
        }


class MessageStore:
    """Every message in every chat; ids count up per chat, shared by user and bot, as in Telegram."""

    def __init__(self) -> None:
        self._messages: dict[tuple[ChatId, int], JsonDict] = {}
        self._last_id: dict[ChatId, int] = {}

    def allocate_id(self, chat_id: ChatId) -> int:
        self._last_id[chat_id] = self._last_id.get(chat_id, 0) + 1
        return self._last_id[chat_id]

    def put(self, message: JsonDict) -> None:
        self._messages[(message["chat"]["id"], message["message_id"])] = message

    def get(self, chat_id: ChatId, message_id: int) -> JsonDict | None:
        return self._messages.get((chat_id, message_id))

    def delete(self, chat_id: ChatId, message_id: int) -> bool:
        return self._messages.pop((chat_id, message_id), None) is not None


def as_reply(message: JsonDict) -> JsonDict:
    """A message as embedded in reply_to_message: Telegram does not nest replies further."""
    return {key: value for key, value in copy.deepcopy(message).items() if key != "reply_to_message"}


def public_message(message: JsonDict) -> JsonDict:
    """The message as the Bot API returns it: only inline keyboards are echoed back."""
    public = copy.deepcopy(message)
    markup = public.get("reply_markup")
    if markup is not None and "inline_keyboard" not in markup:
        del public["reply_markup"]
    reply = public.get("reply_to_message")
    if reply is not None:
        public["reply_to_message"] = public_message(reply)
    return public


def update_kind(update: JsonDict) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    """getUpdates semantics: ids below the confirmed offset are gone; long polls wake on new updates."""

    def __init__(self, first_update_id: int) -> None:
        self._pending: list[JsonDict] = []
        self._next_id = first_update_id
        self.confirmed_offset = 0
        self.allowed_updates: list[str] | None = None
        self._changed = asyncio.Event()
        self._current_poll: object | None = None
        self.closing = False

    def push(self, update: JsonDict) -> int:
        if "update_id" not in update:
            update = {"update_id": self._next_id, **update}
        self._next_id = max(self._next_id, update["update_id"] + 1)
        self._pending.append(update)
        self.wake()
        return int(update["update_id"])

    @property
    def pending(self) -> list[JsonDict]:
        return [
            copy.deepcopy(update) for update in self._pending if update["update_id"] >= self.confirmed_offset
        ]

    def clear(self) -> None:
        self._pending.clear()
        self.confirmed_offset = self._next_id

    def wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            kept = self._pending[offset:]
            offset = kept[0]["update_id"] if kept else self._next_id
        self.confirmed_offset = max(self.confirmed_offset, offset)
        self._pending = [update for update in self._pending if update["update_id"] >= self.confirmed_offset]

    async def poll(self, offset: int | None, limit: int, timeout: float) -> list[JsonDict]:
        """Confirm `offset`, then return up to `limit` updates, waiting up to `timeout` s for the first."""
        self.confirm(offset)
        poll = object()
        self._current_poll = poll
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if self._current_poll is not poll:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                batch = self._deliverable(limit)
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self.closing:
                    return batch
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
        finally:
            if self._current_poll is poll:
                self._current_poll = None

    def _deliverable(self, limit: int) -> list[JsonDict]:
        batch = [
            copy.deepcopy(update)
            for update in self._pending
            if update["update_id"] >= self.confirmed_offset and self._is_allowed(update)
        ]
        return batch[:limit]

    def _is_allowed(self, update: JsonDict) -> bool:
        if self.allowed_updates:
            return update_kind(update) in self.allowed_updates
        return update_kind(update) not in _NOT_DELIVERED_BY_DEFAULT


def user_dict(
    user_id: int, first_name: str, last_name: str | None, username: str | None, language_code: str | None
) -> JsonDict:
    user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    optional = {"last_name": last_name, "username": username, "language_code": language_code}
    user.update({key: value for key, value in optional.items() if value is not None})
    return user
