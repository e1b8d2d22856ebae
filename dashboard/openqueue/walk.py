"""One walk of Flownally for the open-queue index: every open and pending conversation,
the team and inbox names, and a bounded scan for failed deliveries."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from dashboard.flownally import client, directory
from dashboard.flownally.errors import NotFound
from dashboard.flownally.models import Conversation
from dashboard.openqueue.index import Index
from dashboard.openqueue.metrics import (
    FailedDelivery,
    failed_deliveries,
    queue_health,
    recently_active,
)

PAGE_SIZE = 100  # the contract's largest page
LONGEST = 7  # conversations kept as waiting longest
# Disjoint filters that together cover every open conversation, walked concurrently; sorted
# by creation time, which never changes, so a page boundary cannot skip or repeat one.
PARTITIONS = [
    {"status": (status,), "interacted": interacted}
    for status in ("open", "pending")
    for interacted in (True, False)
]


def _walk(filters: dict) -> list[Conversation]:
    return list(
        client.iter_conversations(
            **filters, sort="createdAt:desc", page_size=PAGE_SIZE, cached=False
        )
    )


def find_failed(conversations: list[Conversation], now) -> tuple[FailedDelivery, ...]:
    """Failed deliveries within the window, newest failure first, from one page each of the
    most recently active conversations, so the cost has a ceiling whatever the tenant."""
    since = now - timedelta(minutes=settings.WALLBOARD_FAILED_WINDOW_MINUTES)
    chosen = recently_active(conversations, since, settings.WALLBOARD_FAILED_SCAN)

    def failures(conversation: Conversation) -> list[FailedDelivery]:
        try:
            page = client.conversation_messages(conversation.id)
        except NotFound:  # gone since it was listed
            return []
        return failed_deliveries(conversation, page.items, since)

    found = client.fan_out(*(lambda c=c: failures(c) for c in chosen)) if chosen else []
    every = [failed for each in found for failed in each]
    return tuple(sorted(every, key=lambda f: (f.failed_at, f.message_id), reverse=True))


def compute() -> Index:
    """Walk Flownally now (raises FlownallyError when it cannot be read)."""
    started_at = time.time()
    # Two rounds: the walks with the directory, then the message pages. (Never fan out
    # from inside a fanned-out call: the shared pool could fill with callers that wait.)
    *walks, team, inboxes = client.fan_out(
        *(lambda f=filters: _walk(f) for filters in PARTITIONS),
        directory.team,
        directory.inbox_names,
    )
    found: dict[str, Conversation] = {}
    interacted: set[str] = set()
    for filters, walk in zip(PARTITIONS, walks, strict=True):
        for conversation in walk:  # deduplicated: one may change partition mid-walk
            found[conversation.id] = conversation
            if filters["interacted"]:
                interacted.add(conversation.id)
    conversations = tuple(found.values())
    now = timezone.now()
    failed = find_failed(list(conversations), now)
    return Index(
        conversations=conversations,
        interacted=frozenset(interacted),
        users={member.id: member.name for member in team},
        active_users=frozenset(member.id for member in team if member.active),
        inboxes=inboxes,
        health=queue_health(conversations, now, top=LONGEST),
        failed_deliveries=len(failed),
        started_at=started_at,
        finished_at=time.time(),
        failed=failed,
    )
