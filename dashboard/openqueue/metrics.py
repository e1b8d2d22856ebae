"""Queue health from a list of conversations: plain functions, no I/O.

`queue_health(conversations, now)` is what the wallboard shows: headline numbers, per team
member, per channel and per inbox, and the conversations waiting longest. It trusts
nothing optional: a missing status counts as not closed, a missing assignee as
unassigned, and a wait that starts in the future (clock skew) as zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from dashboard.flownally.models import Conversation, Message


@dataclass(frozen=True)
class Waiting:
    conversation_id: str
    contact: str
    channel: str
    inbox_id: str
    seconds: float


@dataclass(frozen=True)
class Counts:
    open: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class QueueHealth:
    open: int
    pending: int
    waiting: int
    unassigned: int
    longest_wait_seconds: float | None
    per_assignee: dict[str, Counts] = field(default_factory=dict)
    per_channel: dict[str, Counts] = field(default_factory=dict)
    per_inbox: dict[str, Counts] = field(default_factory=dict)
    longest_waiting: tuple[Waiting, ...] = ()


def wait_seconds(conversation: Conversation, now: datetime) -> float | None:
    """How long the customer has waited, or None when nobody waits (or it is closed)."""
    if conversation.status == "closed" or conversation.waiting_since is None:
        return None
    return max(0.0, (now - conversation.waiting_since).total_seconds())


def queue_health(
    conversations: Iterable[Conversation], now: datetime, *, top: int = 5
) -> QueueHealth:
    active = [c for c in conversations if c.status != "closed"]
    waits: dict[str, float] = {}
    for c in active:
        if (seconds := wait_seconds(c, now)) is not None:
            waits[c.id] = seconds
    waiting = [c for c in active if c.id in waits]

    def counts(key) -> dict[str, Counts]:
        opened = Counter(key(c) for c in active)
        waited = Counter(key(c) for c in waiting)
        return {
            name: Counts(opened[name], waited[name])
            for name in sorted(opened, key=lambda n: (-opened[n], n))
        }

    longest = sorted(waiting, key=lambda c: (-waits[c.id], c.id))[:top]
    return QueueHealth(
        open=len(active),
        pending=sum(1 for c in active if c.status == "pending"),
        waiting=len(waiting),
        unassigned=sum(1 for c in active if not c.assignee_id),
        longest_wait_seconds=waits[longest[0].id] if longest else None,
        per_assignee=counts(lambda c: c.assignee_id or ""),
        per_channel=counts(lambda c: c.channel),
        per_inbox=counts(lambda c: c.inbox_id),
        longest_waiting=tuple(
            Waiting(c.id, c.name, c.channel, c.inbox_id, waits[c.id]) for c in longest
        ),
    )


def recently_active(
    conversations: Iterable[Conversation], since: datetime, limit: int
) -> list[Conversation]:
    """The `limit` open conversations with the newest activity at or after `since`: where a
    recent failed delivery can be found by reading one page of messages each."""
    recent = [
        c
        for c in conversations
        if c.status != "closed" and c.last_message_at is not None and c.last_message_at >= since
    ]
    return sorted(recent, key=lambda c: (c.last_message_at, c.id), reverse=True)[:limit]


def failed_since(messages: Iterable[Message], since: datetime) -> int:
    """Messages whose delivery failed at or after `since` (when it last changed, else when
    it was created)."""
    return sum(1 for m in messages if _failed_since(m, since))


def _failed_since(message: Message, since: datetime) -> bool:
    return (
        message.delivery_status == "failed" and (message.updated_at or message.created_at) >= since
    )


@dataclass(frozen=True)
class FailedDelivery:
    """One outbound message whose delivery failed, as the walk found it: what the failed
    deliveries page lists (and resending needs to offer)."""

    message_id: str
    conversation_id: str
    contact: str
    channel: str
    inbox_id: str
    sender_type: str
    sender_id: str | None
    kind: str  # the content's type: text, template, media, or one we do not know
    code: str
    reason: str
    created_at: datetime
    failed_at: datetime  # when it last changed (Flownally's updatedAt), else when sent


def failed_deliveries(
    conversation: Conversation, messages: Iterable[Message], since: datetime
) -> list[FailedDelivery]:
    """The messages of `conversation` whose delivery failed at or after `since`."""
    return [
        FailedDelivery(
            message_id=m.id,
            conversation_id=conversation.id,
            contact=conversation.name,
            channel=conversation.channel,
            inbox_id=conversation.inbox_id,
            sender_type=m.sender_type,
            sender_id=m.sender_id,
            kind=m.content.type,
            code=m.failure.code if m.failure else "unknown",
            reason=m.failure.message if m.failure else "",
            created_at=m.created_at,
            failed_at=m.updated_at or m.created_at,
        )
        for m in messages
        if _failed_since(m, since)
    ]


@dataclass(frozen=True)
class Load:
    """One team member's share of the open queue (or the unassigned share)."""

    open: int = 0
    waiting: int = 0
    longest: Waiting | None = None  # their conversation whose customer has waited longest


def team_load(conversations: Iterable[Conversation], now: datetime) -> dict[str, Load]:
    """Assignee ID ("" for unassigned) -> their open, waiting and longest-waiting one."""
    opened: Counter[str] = Counter()
    waited: Counter[str] = Counter()
    longest: dict[str, Waiting] = {}
    for c in conversations:
        if c.status == "closed":
            continue
        who = c.assignee_id or ""
        opened[who] += 1
        seconds = wait_seconds(c, now)
        if seconds is None:
            continue
        waited[who] += 1
        if who not in longest or seconds > longest[who].seconds:
            longest[who] = Waiting(c.id, c.name, c.channel, c.inbox_id, seconds)
    return {who: Load(opened[who], waited[who], longest.get(who)) for who in opened}
