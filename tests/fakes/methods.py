"""The Bot API methods the fake implements, acting on the server-side state in `FakeTelegram`."""

import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .formatting import EntityParseError, FormattedText, merge_detected, parse_formatted
from .rate_limit import SendRateLimit
from .state import (
    PRIVATE,
    ApiError,
    Chat,
    ChatId,
    FileStore,
    JsonDict,
    MessageStore,
    StoredFile,
    UpdateQueue,
    bad_request,
    now_timestamp,
    public_message,
    too_many_requests,
)

# Form fields PTB sends verbatim; every other form field is a JSON-encoded value.
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "file_id", "url", "name", "title",
        "description", "short_description", "action", "secret_token", "ip_address", "language_code",
        "inline_message_id", "business_connection_id", "message_effect_id", "emoji",
        "icon_custom_emoji_id", "photo", "document", "sticker", "voice", "video", "audio", "animation",
        "thumbnail", "question", "query", "payload", "currency", "start_parameter", "custom_title",
    }
)  # fmt: skip
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
BUTTON_URL = re.compile(r"^(?:(?:https?|tg)://)?[^\s/:]+\S*$")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
COPYABLE_CONTENT = ("text", "entities", "photo", "document", "sticker", "voice", "location", "caption",
                    "caption_entities")  # fmt: skip


@dataclass
class UploadedFile:
    """One multipart file part of a request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return (
            f"UploadedFile({self.field!r}, {self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"
        )


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int | None


def decode_form_value(name: str, raw: str) -> Any:
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class Params:
    """Typed access to one request's parameters, failing the way Telegram does."""

    def __init__(self, values: JsonDict) -> None:
        self.values = values

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def required(self, name: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_integer(self, name: str) -> int:
        self.required(name)
        value = self.integer(name)
        assert value is not None
        return value

    def chat_id(self, name: str = "chat_id") -> ChatId:
        value = self.required(name)
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def upload(self, name: str) -> UploadedFile | str:
        """A file parameter: an uploaded part (directly or via attach://) or a file_id/URL string."""
        value = self.required(name)
        if isinstance(value, str) and value.startswith("attach://"):
            attached = self.values.get(value.removeprefix("attach://"))
            if not isinstance(attached, UploadedFile):
                raise bad_request(f"file of field {name} not found")
            return attached
        return value


def _formatted(params: Params, text_field: str, entities_field: str) -> FormattedText:
    text = params.get(text_field, "")
    explicit = params.get(entities_field)
    if explicit is not None:
        return FormattedText(text.strip(), explicit)
    try:
        return merge_detected(parse_formatted(text, params.get("parse_mode")))
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None


def _validated_markup(markup: Any) -> JsonDict | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            _validate_inline_button(button)
    return markup


def _validate_inline_button(button: JsonDict) -> None:
    if not button.get("text"):
        raise bad_request("BUTTON_TEXT_INVALID")
    if len(button) == 1:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not BUTTON_URL.match(url):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _content_of(formatted: FormattedText, text_field: str, entities_field: str) -> JsonDict:
    content: JsonDict = {text_field: formatted.text}
    if formatted.entities:
        content[entities_field] = formatted.entities
    return content


def _document(stored: StoredFile) -> JsonDict:
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_size": len(stored.data),
    }
    return {key: value for key, value in document.items() if value is not None}


MethodHandler = Callable[[Params], Any | Awaitable[Any]]


class FakeTelegram:
    """Telegram's side of the conversation: chats, messages, files, updates, and the methods on them."""

    def __init__(self, token: str, bot_username: str, first_update_id: int) -> None:
        self.bot_user: JsonDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "FraudBot Test",
            "username": bot_username,
        }
        self.chats: dict[ChatId, Chat] = {}
        self.messages = MessageStore()
        self.files = FileStore()
        self.updates = UpdateQueue(first_update_id)
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.webhook: Webhook | None = None
        self.blocked: set[ChatId] = set()
        self.open_callback_queries: set[str] = set()
        self.sent: list[tuple[ChatId, int]] = []
        self.send_rate_limit: SendRateLimit | None = None
        self.clock: Callable[[], float] = time.monotonic
        self._handlers: dict[str, tuple[str, MethodHandler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    def _method_table(self) -> dict[str, MethodHandler]:
        return {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "copyMessage": self.copy_message,
            "forwardMessage": self.forward_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "getFile": self.get_file,
            "getChat": self.get_chat,
            "createForumTopic": self.create_forum_topic,
            "close": self.close,
            "logOut": self.log_out,
        }

    def resolve(self, method: str) -> tuple[str, MethodHandler] | None:
        """Canonical name and handler; Bot API method names are case-insensitive."""
        return self._handlers.get(method.lower())

    # -- chats -------------------------------------------------------------------------------------

    def register_chat(self, chat: Chat) -> Chat:
        known = self.chats.get(chat.id)
        if known is None:
            self.chats[chat.id] = chat
            return chat
        return known

    def _known_chat(self, chat_id: ChatId) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _target_chat(self, params: Params) -> Chat:
        chat_id = params.chat_id()
        chat = self.chats.get(chat_id)
        if chat is None and isinstance(chat_id, int) and chat_id > 0:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat is None:
            raise bad_request("chat not found")
        if chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    # -- sending -----------------------------------------------------------------------------------

    def _admit(self, chat: Chat) -> None:
        if self.send_rate_limit is None:
            return
        retry_after = self.send_rate_limit.admit(chat.id, chat.type == PRIVATE, self.clock())
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def _thread_id(self, chat: Chat, params: Params) -> int | None:
        thread_id = params.integer("message_thread_id")
        if thread_id is None or not chat.is_forum:
            return None
        if thread_id not in chat.topics:
            raise bad_request("message thread not found")
        return thread_id

    def _reply_target(self, chat: Chat, params: Params) -> JsonDict | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id") or params.integer("reply_to_message_id")
        if message_id is None:
            return None
        target = self.messages.get(reply.get("chat_id", chat.id), int(message_id))
        allow_missing = reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def new_message(
        self,
        chat: Chat,
        sender: JsonDict,
        content: JsonDict,
        *,
        thread_id: int | None = None,
        reply_to: JsonDict | None = None,
    ) -> JsonDict:
        """Store a message as Telegram would: next id in the chat, topic and reply context attached."""
        message: JsonDict = {
            "message_id": self.messages.allocate_id(chat.id),
            "from": sender,
            "chat": chat.as_chat(),
            "date": now_timestamp(),
            **content,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            # In a forum, a message that replies to nothing replies to the topic's creation message.
            reply_to = reply_to or self.messages.get(chat.id, thread_id)
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        self.messages.put(message)
        return message

    def _send(self, params: Params, content_of: Callable[[], JsonDict]) -> JsonDict:
        chat = self._target_chat(params)
        content = content_of()
        thread_id = self._thread_id(chat, params)
        reply_to = self._reply_target(chat, params)
        markup = _validated_markup(params.get("reply_markup"))
        self._admit(chat)
        if markup is not None:
            content["reply_markup"] = markup
        message = self.new_message(chat, self.bot_user, content, thread_id=thread_id, reply_to=reply_to)
        self.sent.append((chat.id, message["message_id"]))
        return message

    def send_message(self, params: Params) -> JsonDict:
        return public_message(self._send(params, lambda: self._text_content(params)))

    def _text_content(self, params: Params) -> JsonDict:
        formatted = _formatted(params, "text", "entities")
        if not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > MAX_TEXT:
            raise bad_request("message is too long")
        return _content_of(formatted, "text", "entities")

    def _caption_content(self, params: Params) -> JsonDict:
        formatted = _formatted(params, "caption", "caption_entities")
        if len(formatted.text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return _content_of(formatted, "caption", "caption_entities") if formatted.text else {}

    def send_photo(self, params: Params) -> JsonDict:
        def content() -> JsonDict:
            return {"photo": self._photo_sizes(params.upload("photo")), **self._caption_content(params)}

        return public_message(self._send(params, content))

    def _photo_sizes(self, photo: UploadedFile | str) -> list[JsonDict]:
        if isinstance(photo, UploadedFile):
            try:
                return self.files.add_photo(photo.data)
            except ValueError:
                raise bad_request("IMAGE_PROCESS_FAILED") from None
        sizes = self.files.photo_sizes(photo)
        if sizes is None:
            self._reject_file_reference(photo, "Photo")
        assert sizes is not None
        return sizes

    def send_document(self, params: Params) -> JsonDict:
        def content() -> JsonDict:
            return {"document": self._document(params.upload("document")), **self._caption_content(params)}

        return public_message(self._send(params, content))

    def _document(self, document: UploadedFile | str) -> JsonDict:
        if isinstance(document, UploadedFile):
            file_name = document.filename or "document"
            mime_type = document.content_type or mimetypes.guess_type(file_name)[0]
            extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
            return _document(self.files.add("document", document.data, extension, mime_type, file_name))
        stored = self.files.get(document)
        if stored is None or stored.kind != "document":
            self._reject_file_reference(document, "Document")
        assert stored is not None
        return _document(stored)

    def _reject_file_reference(self, reference: str, expected: str) -> None:
        if reference.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = self.files.get(reference)
        if stored is not None:
            raise bad_request(f"can't use file of type {stored.kind.capitalize()} as {expected}")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _source_message(self, params: Params, missing: str) -> JsonDict:
        source = self.messages.get(params.chat_id("from_chat_id"), params.required_integer("message_id"))
        if source is None:
            raise bad_request(missing)
        return source

    def copy_message(self, params: Params) -> JsonDict:
        def content() -> JsonDict:
            source = self._source_message(params, "message to copy not found")
            copied = {key: source[key] for key in COPYABLE_CONTENT if key in source}
            if params.get("caption") is not None:
                copied.pop("caption_entities", None)
                copied.update(self._caption_content(params))
            return copied

        return {"message_id": self._send(params, content)["message_id"]}

    def forward_message(self, params: Params) -> JsonDict:
        def content() -> JsonDict:
            source = self._source_message(params, "message to forward not found")
            forwarded = {key: source[key] for key in COPYABLE_CONTENT if key in source}
            origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
            return {**forwarded, "forward_origin": source.get("forward_origin", origin)}

        return public_message(self._send(params, content))

    # -- editing -----------------------------------------------------------------------------------

    def _editable(self, params: Params) -> JsonDict:
        if params.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        message = self.messages.get(params.chat_id(), params.required_integer("message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: JsonDict, changes: JsonDict, markup: JsonDict | None) -> JsonDict:
        before = {key: message.get(key) for key in changes} | {"reply_markup": message.get("reply_markup")}
        if before == {**changes, "reply_markup": markup}:
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        # Editing without reply_markup drops the inline keyboard, as it does on Telegram.
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = now_timestamp()
        return public_message(message)

    def edit_message_text(self, params: Params) -> JsonDict:
        message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        content = self._text_content(params)
        markup = _validated_markup(params.get("reply_markup"))
        return self._apply_edit(
            message, {"text": content["text"], "entities": content.get("entities")}, markup
        )

    def edit_message_caption(self, params: Params) -> JsonDict:
        message = self._editable(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        content = self._caption_content(params)
        changes = {"caption": content.get("caption"), "caption_entities": content.get("caption_entities")}
        return self._apply_edit(message, changes, _validated_markup(params.get("reply_markup")))

    def edit_message_reply_markup(self, params: Params) -> JsonDict:
        message = self._editable(params)
        return self._apply_edit(message, {}, _validated_markup(params.get("reply_markup")))

    def delete_message(self, params: Params) -> bool:
        if not self.messages.delete(params.chat_id(), params.required_integer("message_id")):
            raise bad_request("message to delete not found")
        return True

    # -- the rest ----------------------------------------------------------------------------------

    def get_me(self, params: Params) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> list[JsonDict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = params.get("allowed_updates")
        if allowed is not None:
            self.updates.allowed_updates = list(allowed) or None
        limit = min(max(params.integer("limit", 100) or 100, 1), 100)
        timeout = float(params.get("timeout", 0))
        return await self.updates.poll(params.integer("offset"), limit, timeout)

    def set_webhook(self, params: Params) -> bool:
        url = params.get("url", "")
        if params.get("drop_pending_updates"):
            self.updates.clear()
        if not url:
            self.webhook = None
            return True
        allowed = params.get("allowed_updates")
        self.webhook = Webhook(url, params.get("secret_token"), allowed, params.integer("max_connections"))
        return True

    def delete_webhook(self, params: Params) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = None
        return True

    def get_webhook_info(self, params: Params) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending),
        }
        if self.webhook and self.webhook.allowed_updates:
            info["allowed_updates"] = self.webhook.allowed_updates
        return info

    @staticmethod
    def _commands_key(params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code", "")

    def set_my_commands(self, params: Params) -> bool:
        commands = params.required("commands")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not COMMAND_NAME.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("command description is empty")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def get_my_commands(self, params: Params) -> list[JsonDict]:
        return list(self.commands.get(self._commands_key(params), []))

    def delete_my_commands(self, params: Params) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def answer_callback_query(self, params: Params) -> bool:
        query_id = params.required("callback_query_id")
        if query_id not in self.open_callback_queries:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self.open_callback_queries.discard(query_id)
        return True

    def send_chat_action(self, params: Params) -> bool:
        self._target_chat(params)
        if params.required("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def get_file(self, params: Params) -> JsonDict:
        stored = self.files.get(params.required("file_id"))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return stored.as_file()

    def get_chat(self, params: Params) -> JsonDict:
        return self._known_chat(params.chat_id()).as_full_info()

    def create_forum_topic(self, params: Params) -> JsonDict:
        chat = self._known_chat(params.chat_id())
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        name = params.required("name")
        if len(name) > 128:
            raise bad_request("TOPIC_NAME_INVALID")
        icon_color = params.integer("icon_color", 0x6FB9F0)
        topic = {"name": name, "icon_color": icon_color}
        # The topic's id is the id of its creation service message, as on Telegram.
        thread_id = self.messages.allocate_id(chat.id)
        created = {
            "message_id": thread_id,
            "from": self.bot_user,
            "chat": chat.as_chat(),
            "date": now_timestamp(),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": topic,
        }
        self.messages.put(created)
        chat.topics[thread_id] = name
        return {"message_thread_id": thread_id, **topic}

    def close(self, params: Params) -> bool:
        return True

    def log_out(self, params: Params) -> bool:
        return True
