"""Sorted conversation indexes and keyset page tokens.

One sorted list per (sort, status) holds key tuples that end in the conversation ID, so a
page is a bisect plus a merge of the requested statuses: O(page size), whatever the tenant
size. A page token is the last key served, signed, and tied to the query's filters, so a
token from another query (or a tampered one) is refused instead of silently misread.

A walk never serves a conversation twice: the index remembers when each conversation's
key last moved in each sort, and a walk passes over conversations that moved after it
began (they are on the next walk's pages instead; a newest-first walk would never reach
them anyway, an oldest-first one would serve them again at the end).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator

from dashboard.simulator.errors import detail, invalid
from dashboard.simulator.models import Conversation

STATUSES = ("pending", "open", "closed")
SORTS: dict[str, Callable[[Conversation], tuple]] = {
    "lastMessageAt:desc": lambda c: (-c.last_ms, c.id),
    "lastMessageAt:asc": lambda c: (c.last_ms, c.id),
    # Waiting conversations first, longest wait first; then the rest, newest activity first.
    "waitingSince:asc": lambda c: (
        (0, c.waiting_ms, c.id) if c.waiting_ms is not None else (1, -c.last_ms, c.id)
    ),
    "createdAt:desc": lambda c: (-c.created_ms, c.id),
}
DEFAULT_SORT = "lastMessageAt:desc"


class ConversationIndex:
    def __init__(self, conversations: list[Conversation]) -> None:
        self._keys: dict[str, dict[str, tuple]] = {}
        self._lists: dict[tuple[str, str], list[tuple]] = {}
        for sort, key in SORTS.items():
            for status in STATUSES:
                self._lists[sort, status] = sorted(
                    key(c) for c in conversations if c.status == status
                )
        for conv in conversations:
            self._keys[conv.id] = {sort: key(conv) for sort, key in SORTS.items()}
        self._status = {conv.id: conv.status for conv in conversations}
        self._moved: dict[tuple[str, str], int] = {}  # (sort, id) -> when its key last moved

    def add(self, conv: Conversation) -> None:
        self._keys[conv.id] = {sort: key(conv) for sort, key in SORTS.items()}
        self._status[conv.id] = conv.status
        for sort, key in self._keys[conv.id].items():
            insort(self._lists[sort, conv.status], key)

    def update(self, conv: Conversation, now_ms: int) -> None:
        """Re-file a conversation after anything its keys or status depend on changed."""
        old_status = self._status[conv.id]
        old_keys = self._keys[conv.id]
        for sort, key in old_keys.items():
            items = self._lists[sort, old_status]
            del items[bisect_left(items, key)]
        self.add(conv)
        for sort, key in self._keys[conv.id].items():
            if key != old_keys[sort]:
                self._moved[sort, conv.id] = now_ms

    def count(self, status: str) -> int:
        return len(self._lists[DEFAULT_SORT, status])

    def at(self, status: str, position: int) -> str:
        """The ID of the conversation at `position` in a status (for picking one at random)."""
        return self._lists[DEFAULT_SORT, status][position][-1]

    def walk(
        self, sort: str, statuses: tuple[str, ...], after: tuple | None, began_ms: int
    ) -> Iterator[tuple]:
        """Keys in order, starting just after `after`, of a walk that began at `began_ms`."""
        moved = self._moved

        def from_position(items: list[tuple]) -> Iterator[tuple]:
            start = 0 if after is None else bisect_right(items, after)
            for position in range(start, len(items)):
                key = items[position]
                if moved.get((sort, key[-1]), began_ms) <= began_ms:
                    yield key

        return heapq.merge(*(from_position(self._lists[sort, status]) for status in statuses))


class PageTokens:
    """Signs keyset cursors so that they can be handed to clients and trusted back."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(
            hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        ).decode()

    def issue(self, query: str, key: tuple) -> str:
        payload = json.dumps([query, list(key)], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + self._mac(payload)

    def read(self, query: str, token: str) -> tuple:
        """The key a token carries; 422 when it is not ours or belongs to another query."""
        refused = invalid(
            detail(
                "pageToken",
                "invalid",
                "The page token is not valid for this query; start from the first page.",
            )
        )
        body, _, mac = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError):
            raise refused from None
        if not hmac.compare_digest(
            mac.encode(), self._mac(payload).encode()
        ):  # str form refuses non-ASCII
            raise refused
        token_query, key = json.loads(payload)
        if token_query != query:
            raise refused
        return tuple(key)
