"""Finding conversations in the open-queue index: the filters Flownally's list lacks.

Plain functions over the index (no I/O): who holds it, channel, inbox, how long the
customer has waited, and a search over contact name, address and ID that ignores case
and accents ("lodz" finds "Łódź"). Each option is counted with every other filter
applied, so the counts say what choosing it would show.

Waits are measured at the moment the index's walk began, like everything else it holds
("as of 6 s ago"), so an answer depends on the index and the question alone and is kept
in this process until the next index lands: a filtered list polled by many costs one
pass over the queue per interval.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from dashboard.flownally.models import Conversation
from dashboard.openqueue.index import Index

UNASSIGNED = "unassigned"
CHANNELS = ("whatsapp", "sms", "email", "webchat")
WAITING_OPTIONS = (5, 15, 30, 60)  # minutes offered in the list's Waiting menu
# Letters that carry no combining mark to strip, so NFKD leaves them as they are.
_PLAIN = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "\u0131": "i", "ß": "ss", "æ": "ae", "œ": "oe"}
)


def fold(text: str) -> str:
    """Lower case without accents: what a search compares."""
    folded = text.casefold().translate(_PLAIN)
    if folded.isascii():  # most names, every ID: nothing to decompose (a third of the time)
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
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


@dataclass(frozen=True)
class _Row:
    """What the filters look at, worked out once per conversation and index."""

    conversation: Conversation
    status: str
    interacted: bool
    assignee: str
    waited: float | None  # seconds, when the walk began
    haystack: str


@dataclass(frozen=True)
class Found:
    matches: list[Conversation]
    assignees: dict[str, int] = field(default_factory=dict)  # usr_… or UNASSIGNED
    channels: dict[str, int] = field(default_factory=dict)
    inboxes: dict[str, int] = field(default_factory=dict)
    waiting: dict[int, int] = field(default_factory=dict)  # minutes -> count


def _rows(index: Index) -> list[_Row]:
    rows = []
    for c in index.conversations:
        waited = None
        if c.waiting_since is not None:
            waited = max(0.0, index.started_at - c.waiting_since.timestamp())
        names = dict.fromkeys((c.name, c.contact_name or ""))
        rows.append(
            _Row(
                conversation=c,
                status=c.status or "open",
                interacted=c.id in index.interacted,
                assignee=c.assignee_id or UNASSIGNED,
                waited=waited,
                # Each part on its own: an accented name leaves the IDs on the fast path.
                haystack=" ".join(fold(part) for part in (*names, c.external_id, c.id)),
            )
        )
    return rows


def _find(rows: Iterable[_Row], criteria: Criteria, order: str) -> Found:
    """One pass: a row counts towards an option of a facet when it passes every test but
    that facet's own."""
    needle = fold(criteria.q.strip())
    limit = None if criteria.waiting_minutes is None else criteria.waiting_minutes * 60
    matches: list[Conversation] = []
    assignees: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    inboxes: Counter[str] = Counter()
    waiting: Counter[int] = Counter()
    for row in rows:
        c = row.conversation
        if criteria.statuses and row.status not in criteria.statuses:
            continue
        if criteria.interacted is not None and row.interacted != criteria.interacted:
            continue
        if needle and needle not in row.haystack:
            continue
        ok_assignee = not criteria.assignees or row.assignee in criteria.assignees
        ok_channel = not criteria.channels or c.channel in criteria.channels
        ok_inbox = not criteria.inboxes or c.inbox_id in criteria.inboxes
        ok_wait = limit is None or (row.waited is not None and row.waited > limit)
        if ok_channel and ok_inbox and ok_wait:
            assignees[row.assignee] += 1
        if ok_assignee and ok_inbox and ok_wait:
            channels[c.channel] += 1
        if ok_assignee and ok_channel and ok_wait:
            inboxes[c.inbox_id] += 1
        if ok_assignee and ok_channel and ok_inbox:
            for minutes in WAITING_OPTIONS:
                if row.waited is not None and row.waited > minutes * 60:
                    waiting[minutes] += 1
            if ok_wait:
                matches.append(c)
    return Found(
        sort(matches, order), dict(assignees), dict(channels), dict(inboxes), dict(waiting)
    )


def sort(conversations: list[Conversation], order: str) -> list[Conversation]:
    """In the orders Flownally's list offers (the contract's `sort`)."""
    never = float("-inf")

    def ts(value) -> float:
        return value.timestamp() if value else never

    if order == "lastMessageAt:asc":
        return sorted(conversations, key=lambda c: (ts(c.last_message_at), c.id))
    if order == "waitingSince:asc":  # waiting first, longest first; then newest activity
        return sorted(
            conversations,
            key=lambda c: (
                (0, ts(c.waiting_since), c.id)
                if c.waiting_since
                else (1, -ts(c.last_message_at), c.id)
            ),
        )
    if order == "createdAt:desc":
        return sorted(conversations, key=lambda c: (-ts(c.created_at), c.id))
    return sorted(conversations, key=lambda c: (-ts(c.last_message_at), c.id))


_ANSWERS = 256  # answers kept per index in one process
_memo: dict = {"stamp": None, "rows": [], "answers": {}}
_memo_lock = threading.Lock()


def prepare(index: Index) -> None:
    """Work out what the filters look at in `index` now, before a page asks (the
    refresher, as a new index lands): tens of ms at thousands of open conversations."""
    _rows_of(index)


def _rows_of(index: Index) -> tuple[list[_Row], dict]:
    with _memo_lock:
        if _memo["stamp"] != index.started_at:
            _memo.update(stamp=index.started_at, rows=_rows(index), answers={})
        return _memo["rows"], _memo["answers"]


def find(index: Index, criteria: Criteria, order: str) -> Found:
    """The conversations of `index` that meet `criteria`, in `order`, with the counts."""
    rows, answers = _rows_of(index)
    with _memo_lock:
        found = answers.get((criteria, order))
    if found is None:
        found = _find(rows, criteria, order)
        with _memo_lock:
            if _memo["answers"] is answers and len(answers) < _ANSWERS:
                answers[(criteria, order)] = found
    return found
