"""The simulator's records. Plain mutable dataclasses; the backend owns and locks them."""

from __future__ import annotations

from dataclasses import dataclass, field

FINAL_DELIVERY = frozenset({"read", "failed", "received"})


@dataclass(slots=True)
class Inbox:
    id: str
    name: str
    channel: str
    external_id: str


@dataclass(slots=True)
class User:
    id: str
    name: str
    email: str
    role: str
    active: bool = True


@dataclass(slots=True)
class Contact:
    id: str
    name: str | None
    identities: dict[str, str]  # channel -> external id


@dataclass(slots=True)
class Media:
    id: str
    media_type: str
    mime_type: str
    filename: str
    data: bytes
    created_ms: int


@dataclass(slots=True)
class Reaction:
    id: str
    message_id: str
    sender_type: str
    sender_id: str | None
    emoji: str
    created_ms: int


@dataclass(slots=True)
class Delivery:
    """When an outbound message reaches each state; its status at any time follows."""

    created_ms: int
    sent_ms: int | None
    delivered_ms: int | None = None
    read_ms: int | None = None
    failed_ms: int | None = None
    failure_code: str | None = None
    channel_message_id: str | None = None

    def status_at(self, now_ms: int) -> tuple[str, int]:
        """(deliveryStatus, the time it was reached)."""
        if self.failed_ms is not None and now_ms >= self.failed_ms:
            return "failed", self.failed_ms
        for status, at in (
            ("read", self.read_ms),
            ("delivered", self.delivered_ms),
            ("sent", self.sent_ms),
        ):
            if at is not None and now_ms >= at:
                return status, at
        return "pending", self.created_ms


@dataclass(slots=True)
class Message:
    id: str
    conversation_id: str
    created_ms: int
    sender_type: str  # customer | user | bot
    sender_id: str | None
    content: dict  # request-side MessageContent
    delivery: Delivery | None  # None for inbound (customer) messages
    reactions: list[Reaction] = field(default_factory=list)
    reactions_changed_ms: int = 0

    @property
    def key(self) -> tuple[int, str]:
        return (self.created_ms, self.id)


@dataclass(slots=True)
class Conversation:
    id: str
    seed_index: int  # -1 unless its history is generated from the seed on first use
    inbox_id: str
    channel: str
    external_id: str
    contact_id: str
    contact_name: str | None
    status: str
    assignee_id: str | None
    created_ms: int
    last_ms: int
    last_preview: str
    last_sender: str
    last_customer_ms: int | None
    waiting_ms: int | None
    unread: int
    interacted: bool
    messages: list[Message] | None = None  # ascending by (created_ms, id); None = not generated yet
    read_key: tuple[int, str] | None = None

    @property
    def name(self) -> str:
        return self.contact_name or self.external_id
