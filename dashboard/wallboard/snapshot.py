"""The wallboard's numbers: computed at most once per refresh interval, shared by every screen.

`board()` answers at once with the latest snapshot. When that is older than the interval,
the first caller to take the lock (`cache.add`: atomic in Redis and in local memory, so it
holds across threads and processes) recomputes it in a background thread while every
screen keeps the current one; only before the very first snapshot do callers wait. When
Flownally cannot be read, the last good snapshot stays and the failure is kept beside it,
so the board marks its numbers stale, and the next interval tries again.

One recomputation walks every open conversation (partitioned four ways, walked at the
same time) and reads one message page of a bounded number of recently active ones.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from dashboard.core.upstream import Problem, describe
from dashboard.flownally import client, directory
from dashboard.flownally.errors import FlownallyError, NotFound
from dashboard.flownally.models import Conversation
from dashboard.wallboard.metrics import QueueHealth, failed_since, queue_health, recently_active

SNAPSHOT_KEY = "wallboard:snapshot:v1"
FAILURE_KEY = "wallboard:failure:v1"
LOCK_KEY = "wallboard:lock:v1"
LOCK_SECONDS = 300  # a crashed refresher blocks the next one this long at most
PAGE_SIZE = 100  # the contract's largest page
LONGEST = 7  # conversations listed as waiting longest
# Disjoint filters that together cover every open conversation, walked concurrently; sorted
# by creation time, which never changes, so a page boundary cannot skip or repeat one.
PARTITIONS = [
    {"status": (status,), "interacted": interacted}
    for status in ("open", "pending")
    for interacted in (True, False)
]

_refresher: threading.Thread | None = None


@dataclass(frozen=True)
class Snapshot:
    health: QueueHealth
    failed_deliveries: int
    users: dict[str, str]
    inboxes: dict[str, str]
    taken_at: float  # epoch seconds: every process agrees on its age


@dataclass(frozen=True)
class Failure:
    at: float
    problem: Problem


@dataclass(frozen=True)
class Board:
    snapshot: Snapshot | None
    failure: Failure | None  # the latest attempt failed (after the snapshot was taken)
    age: float | None  # seconds since the snapshot was taken

    @property
    def stale(self) -> bool:
        return self.failure is not None or (self.age is not None and self.age > stale_after())


def stale_after() -> int:
    """Seconds after which numbers are stale even with no failure recorded: refreshes have
    stopped arriving (live.js applies the same limit when the dashboard stops answering)."""
    return 3 * settings.WALLBOARD_REFRESH_SECONDS + 60


def _walk(filters: dict) -> list[Conversation]:
    return list(
        client.iter_conversations(
            **filters, sort="createdAt:desc", page_size=PAGE_SIZE, cached=False
        )
    )


def count_failed(conversations: list[Conversation], now) -> int:
    """Failed deliveries within the window, from one page each of the most recently active
    conversations, so the cost has a ceiling whatever the tenant."""
    since = now - timedelta(minutes=settings.WALLBOARD_FAILED_WINDOW_MINUTES)
    chosen = recently_active(conversations, since, settings.WALLBOARD_FAILED_SCAN)

    def failures(conversation: Conversation) -> int:
        try:
            return failed_since(client.conversation_messages(conversation.id).items, since)
        except NotFound:  # gone since it was listed
            return 0

    counts = client.fan_out(*(lambda c=c: failures(c) for c in chosen)) if chosen else []
    return sum(counts)


def compute() -> Snapshot:
    # Two rounds: the walks with the directory, then the message pages. (Never fan out
    # from inside a fanned-out call: the shared pool could fill with callers that wait.)
    *walks, users, inboxes = client.fan_out(
        *(lambda f=filters: _walk(f) for filters in PARTITIONS),
        directory.user_names,
        directory.inbox_names,
    )
    conversations = list({c.id: c for walk in walks for c in walk}.values())
    now = timezone.now()
    failed = count_failed(conversations, now)
    return Snapshot(
        health=queue_health(conversations, now, top=LONGEST),
        failed_deliveries=failed,
        users=users,
        inboxes=inboxes,
        taken_at=time.time(),
    )


def board() -> Board:
    """The latest snapshot (starting a refresh when it is due) and the latest failure."""
    snapshot, failure = _stored()
    if snapshot is None:
        if _due(None, failure):
            _refresh_or_wait()
            snapshot, failure = _stored()
    elif _due(snapshot, failure) and (token := _take_lock()):
        if _due(*_stored()):
            _in_background(lambda: _refresh_holding_lock(token))
        else:  # a refresh finished between our read and our lock: nothing left to do
            _release(token)
    if snapshot is not None and failure is not None and failure.at < snapshot.taken_at:
        failure = None
    age = None if snapshot is None else max(0.0, time.time() - snapshot.taken_at)
    return Board(snapshot, failure, age)


def join_refresh(timeout: float = 30) -> None:
    """Wait for a background refresh this process started (tests; a clean shutdown)."""
    if _refresher is not None:
        _refresher.join(timeout)


def _stored() -> tuple[Snapshot | None, Failure | None]:
    found = cache.get_many([SNAPSHOT_KEY, FAILURE_KEY])
    return found.get(SNAPSHOT_KEY), found.get(FAILURE_KEY)


def _due(snapshot: Snapshot | None, failure: Failure | None) -> bool:
    """Older than the interval, and not retried within it since the last failure."""
    interval = settings.WALLBOARD_REFRESH_SECONDS
    now = time.time()
    if failure is not None and now - failure.at < interval:
        return False
    return snapshot is None or now - snapshot.taken_at >= interval


def _take_lock() -> str | None:
    token = uuid.uuid4().hex
    return token if cache.add(LOCK_KEY, token, timeout=LOCK_SECONDS) else None


def _refresh_holding_lock(token: str) -> None:
    try:
        snapshot = compute()
    except FlownallyError as error:
        cache.set(FAILURE_KEY, Failure(time.time(), describe(error)), timeout=None)
    else:
        cache.set(SNAPSHOT_KEY, snapshot, timeout=None)
        cache.delete(FAILURE_KEY)
    finally:
        _release(token)


def _release(token: str) -> None:
    if cache.get(LOCK_KEY) == token:
        cache.delete(LOCK_KEY)


def _refresh_or_wait() -> None:
    """The first snapshot: compute it, or wait while another caller does."""
    if token := _take_lock():
        if _due(*_stored()):
            _refresh_holding_lock(token)
        else:
            _release(token)
        return
    deadline = time.monotonic() + LOCK_SECONDS
    while time.monotonic() < deadline and cache.get(LOCK_KEY) is not None:
        time.sleep(0.05)


def _in_background(work) -> None:
    global _refresher
    _refresher = threading.Thread(target=work, name="wallboard-refresh", daemon=True)
    _refresher.start()
