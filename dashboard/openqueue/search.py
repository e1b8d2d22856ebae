"""Finding conversations in the open-queue index: the filters Flownally's list lacks.

Plain functions over the index's conversations (no I/O): who holds it, channel, inbox,
how long the customer has waited, and a search over contact name, address and ID that
ignores case and accents ("lodz" finds "Łódź"). Each option is counted with every other
filter applied, so the counts say what choosing it would show.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from dashboard.flownally.models import Conversation

UNASSIGNED = "unassigned"
CHANNELS = ("whatsapp", "sms", "email", "webchat")
# Letters that carry no combining mark to strip, so NFKD leaves them as they are.
_PLAIN = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ħ": "h",
        "\u0131": "i",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)
_MIN = float("-inf")


def fold(text: str) -> str:
    """Lower case without accents: what a search compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Criteria:
    """What the list asks of the index. Empty tuples mean "any"."""

    statuses: tuple[str, ...] = ()  # open, pending
    interacted: bool | None = None
    assignees: tuple[str, ...] = ()  # usr_… IDs or UNASSIGNED
    channels: tuple[str, ...] = ()
    inboxes: tuple[str, ...] = ()
    waiting_minutes: int | None = None  # the customer spoke last, more than this long ago
    q: str = ""


def _waited_over(conversation: Conversation, minutes: int, now: datetime) -> bool:
    since = conversation.waiting_since
    return since is not None and (now - since).total_seconds() > minutes * 60


def _tests(
    criteria: Criteria, now: datetime, interacted: frozenset[str]
) -> list[Callable[[Conversation], bool]]:
    tests: list[Callable[[Conversation], bool]] = []
    if criteria.statuses:
        tests.append(lambda c: (c.status or "open") in criteria.statuses)
    if criteria.interacted is not None:
        tests.append(lambda c: (c.id in interacted) == criteria.interacted)
    if criteria.assignees:
        tests.append(lambda c: (c.assignee_id or UNASSIGNED) in criteria.assignees)
    if criteria.channels:
        tests.append(lambda c: c.channel in criteria.channels)
    if criteria.inboxes:
        tests.append(lambda c: c.inbox_id in criteria.inboxes)
    if criteria.waiting_minutes is not None:
        minutes = criteria.waiting_minutes
        tests.append(lambda c: _waited_over(c, minutes, now))
    if needle := fold(criteria.q.strip()):
        tests.append(lambda c: needle in _haystack(c))
    return tests


def _haystack(conversation: Conversation) -> str:
    names = {conversation.name, conversation.contact_name or ""}
    return fold(" ".join((*names, conversation.external_id, conversation.id)))


def select(
    conversations: Iterable[Conversation],
    criteria: Criteria,
    now: datetime,
    interacted: frozenset[str] = frozenset(),
) -> list[Conversation]:
    tests = _tests(criteria, now, interacted)
    return [c for c in conversations if all(test(c) for test in tests)]


def sort(conversations: list[Conversation], order: str) -> list[Conversation]:
    """In the orders Flownally's list offers (the contract's `sort`)."""

    def ts(value: datetime | None) -> float:
        return value.timestamp() if value else _MIN

    keys: dict[str, Callable[[Conversation], tuple]] = {
        "lastMessageAt:desc": lambda c: (-ts(c.last_message_at), c.id),
        "lastMessageAt:asc": lambda c: (ts(c.last_message_at), c.id),
        # Waiting first, longest first; then the rest, newest activity first.
        "waitingSince:asc": lambda c: (
            (0, ts(c.waiting_since), c.id) if c.waiting_since else (1, -ts(c.last_message_at), c.id)
        ),
        "createdAt:desc": lambda c: (-ts(c.created_at), c.id),
    }
    return sorted(conversations, key=keys.get(order, keys["lastMessageAt:desc"]))


@dataclass(frozen=True)
class Facets:
    """How many conversations each option would show, the other filters applied."""

    assignees: dict[str, int]  # usr_… or UNASSIGNED
    channels: dict[str, int]
    inboxes: dict[str, int]


def facets(
    conversations: list[Conversation],
    criteria: Criteria,
    now: datetime,
    interacted: frozenset[str] = frozenset(),
) -> Facets:
    def count(without: Criteria, key: Callable[[Conversation], str]) -> dict[str, int]:
        return dict(Counter(key(c) for c in select(conversations, without, now, interacted)))

    return Facets(
        assignees=count(replace(criteria, assignees=()), lambda c: c.assignee_id or UNASSIGNED),
        channels=count(replace(criteria, channels=()), lambda c: c.channel),
        inboxes=count(replace(criteria, inboxes=()), lambda c: c.inbox_id),
    )
