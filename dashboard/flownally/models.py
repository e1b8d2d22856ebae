"""The contract's objects as small frozen dataclasses, read tolerantly at the boundary.

`from_api` ignores fields it does not know and sets missing optional ones to None, so a
newer Flownally does not break the dashboard; a body without the fields the contract
always sends raises BadResponse naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.flownally.errors import BadResponse

FINAL_DELIVERY_STATES = frozenset({"read", "failed", "received"})


def _required(data: object, key: str, where: str) -> Any:
    if not isinstance(data, dict) or data.get(key) is None:
        raise BadResponse(f"Flownally's {where} has no {key!r}")
    return data[key]


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _required_time(data: Any, key: str, where: str) -> datetime:
    parsed = _time(_required(data, key, where))
    if parsed is None:
        raise BadResponse(f"Flownally's {where} has an unreadable {key!r}")
    return parsed


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class Conversation:
    id: str
    channel: str
    external_id: str
    inbox_id: str
    name: str
    contact_id: str | None
    contact_name: str | None
    last_message_at: datetime | None
    last_message_preview: str
    last_message_sender: str | None
    status: str | None = None
    assignee_id: str | None = None
    created_at: datetime | None = None
    waiting_since: datetime | None = None
    unread_count: int = 0

    @classmethod
    def fields_from_api(cls, data: Any) -> dict[str, Any]:
        where = "conversation"
        return {
            "id": _required(data, "id", where),
            "channel": _required(data, "channel", where),
            "external_id": str(_required(data, "externalId", where)),
            "inbox_id": _required(data, "inboxId", where),
            "name": _str(data.get("name"))
            or _str(data.get("contactName"))
            or str(data["externalId"]),
            "contact_id": _str(data.get("contactId")),
            "contact_name": _str(data.get("contactName")),
            "last_message_at": _time(data.get("lastMessageAt")),
            "last_message_preview": _str(data.get("lastMessagePreview")) or "",
            "last_message_sender": _str(data.get("lastMessageSender")),
            "status": _str(data.get("status")),
            "assignee_id": _str(data.get("assigneeId")),
            "created_at": _time(data.get("createdAt")),
            "waiting_since": _time(data.get("waitingSince")),
            "unread_count": _int(data.get("unreadCount")),
        }

    @classmethod
    def from_api(cls, data: Any) -> Conversation:
        return cls(**cls.fields_from_api(data))


@dataclass(frozen=True)
class Sendability:
    window: str  # open | closed | none
    window_expires_at: datetime | None
    allowed_content_types: tuple[str, ...]

    @property
    def free_text(self) -> bool:
        return "text" in self.allowed_content_types

    @classmethod
    def from_api(cls, data: Any) -> Sendability:
        if not isinstance(data, dict):
            # An older or partial answer: assume nothing is allowed rather than everything.
            return cls("unknown", None, ())
        allowed = data.get("allowedContentTypes")
        return cls(
            _str(data.get("window")) or "unknown",
            _time(data.get("windowExpiresAt")),
            tuple(t for t in allowed if isinstance(t, str)) if isinstance(allowed, list) else (),
        )


@dataclass(frozen=True)
class ConversationDetails(Conversation):
    last_customer_message_at: datetime | None = None
    sendability: Sendability = field(default_factory=lambda: Sendability("unknown", None, ()))
    # The last good copy, served while Flownally fails, and how old it is (as on Page).
    stale: bool = field(default=False, compare=False)
    age: float = field(default=0.0, compare=False)

    @classmethod
    def from_api(cls, data: Any) -> ConversationDetails:
        return cls(
            **cls.fields_from_api(data),
            last_customer_message_at=_time(data.get("lastCustomerMessageAt")),
            sendability=Sendability.from_api(data.get("sendability")),
        )


@dataclass(frozen=True)
class TextContent:
    body: str
    type: str = "text"


@dataclass(frozen=True)
class TemplateContent:
    name: str
    language: str
    parameters: tuple[str, ...] = ()
    type: str = "template"


@dataclass(frozen=True)
class MediaContent:
    media_id: str
    caption: str | None = None
    media_type: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    file_size: int | None = None
    url: str | None = None
    type: str = "media"


@dataclass(frozen=True)
class UnknownContent:
    """A content variant this dashboard does not know yet; shown as such, never dropped."""

    type: str


Content = TextContent | TemplateContent | MediaContent | UnknownContent


def content_from_api(data: Any) -> Content:
    kind = _required(data, "type", "message content")
    variant = data.get(kind)
    if not isinstance(variant, dict):
        return UnknownContent(str(kind))
    if kind == "text":
        return TextContent(str(_required(variant, "body", "text content")))
    if kind == "template":
        params = variant.get("parameters")
        return TemplateContent(
            str(_required(variant, "name", "template content")),
            _str(variant.get("language")) or "",
            tuple(p for p in params if isinstance(p, str)) if isinstance(params, list) else (),
        )
    if kind == "media":
        return MediaContent(
            str(_required(variant, "mediaId", "media content")),
            _str(variant.get("caption")),
            _str(variant.get("mediaType")),
            _str(variant.get("mimeType")),
            _str(variant.get("filename")),
            variant.get("fileSize") if isinstance(variant.get("fileSize"), int) else None,
            _str(variant.get("url")),
        )
    return UnknownContent(str(kind))


@dataclass(frozen=True)
class Failure:
    code: str
    message: str


@dataclass(frozen=True)
class Reaction:
    id: str
    message_id: str
    sender_type: str | None
    sender_id: str | None
    emoji: str
    created_at: datetime | None
    removed: bool = False

    @classmethod
    def from_api(cls, data: Any) -> Reaction:
        return cls(
            str(_required(data, "id", "reaction")),
            str(_required(data, "messageId", "reaction")),
            _str(data.get("senderType")),
            _str(data.get("senderId")),
            str(_required(data, "emoji", "reaction")),
            _time(data.get("createdAt")),
            data.get("removed") is True,
        )


@dataclass(frozen=True)
class Message:
    id: str
    conversation_id: str
    created_at: datetime
    updated_at: datetime | None
    sender_type: str
    sender_id: str | None
    content: Content
    delivery_status: str
    channel_message_id: str | None = None
    failure: Failure | None = None
    reactions: tuple[Reaction, ...] = ()

    @property
    def in_flight(self) -> bool:
        """True while the delivery state can still change."""
        return self.delivery_status not in FINAL_DELIVERY_STATES

    @classmethod
    def from_api(cls, data: Any) -> Message:
        where = "message"
        failure = data.get("failure") if isinstance(data, dict) else None
        reactions = data.get("reactions") if isinstance(data, dict) else None
        return cls(
            id=_required(data, "id", where),
            conversation_id=_required(data, "conversationId", where),
            created_at=_required_time(data, "createdAt", where),
            updated_at=_time(data.get("updatedAt")),
            sender_type=_required(data, "senderType", where),
            sender_id=_str(data.get("senderId")),
            content=content_from_api(_required(data, "content", where)),
            delivery_status=_required(data, "deliveryStatus", where),
            channel_message_id=_str(data.get("channelMessageId")),
            failure=(
                Failure(str(failure.get("code") or "unknown"), str(failure.get("message") or ""))
                if isinstance(failure, dict)
                else None
            ),
            reactions=tuple(Reaction.from_api(r) for r in reactions)
            if isinstance(reactions, list)
            else (),
        )


@dataclass(frozen=True)
class SendResult:
    """A message and the conversation it is in: the answer of sends and GET /messages/{id}."""

    message: Message
    conversation: Conversation

    @classmethod
    def from_api(cls, data: Any) -> SendResult:
        return cls(
            Message.from_api(_required(data, "message", "answer")),
            Conversation.from_api(_required(data, "conversation", "answer")),
        )


@dataclass(frozen=True)
class Inbox:
    id: str
    name: str
    channel: str
    external_id: str | None

    @classmethod
    def from_api(cls, data: Any) -> Inbox:
        return cls(
            _required(data, "id", "inbox"),
            _str(data.get("name")) or data["id"],
            _required(data, "channel", "inbox"),
            _str(data.get("externalId")),
        )


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str | None
    role: str | None
    active: bool = True

    @classmethod
    def from_api(cls, data: Any) -> User:
        return cls(
            _required(data, "id", "user"),
            _str(data.get("name")) or data["id"],
            _str(data.get("email")),
            _str(data.get("role")),
            data.get("active") is not False,
        )


@dataclass(frozen=True)
class MediaUpload:
    media_id: str
    media_type: str | None
    mime_type: str | None
    filename: str | None
    file_size: int | None
    url: str | None

    @classmethod
    def from_api(cls, data: Any) -> MediaUpload:
        return cls(
            _required(data, "mediaId", "media upload"),
            _str(data.get("mediaType")),
            _str(data.get("mimeType")),
            _str(data.get("filename")),
            data.get("fileSize") if isinstance(data.get("fileSize"), int) else None,
            _str(data.get("url")),
        )


@dataclass(frozen=True)
class Page[T]:
    """One page of a list. `stale` is set when Flownally could not be reached and this is
    the last good answer, `age` seconds old."""

    items: tuple[T, ...]
    next_page_token: str | None
    stale: bool = False
    age: float = 0.0

    @classmethod
    def from_api(cls, data: Any, key: str, parse: Callable[[object], T]) -> Page[T]:
        items = _required(data, key, "list")
        if not isinstance(items, list):
            raise BadResponse(f"Flownally's {key!r} is not a list")
        return cls(tuple(parse(item) for item in items), _str(data.get("nextPageToken")) or None)
