"""The open-queue index: every open and pending conversation, as one walk of Flownally's
list found it, held once in the shared cache for every process and instance.

The index is stamped with the moment its walk began (its data is at least that fresh),
and a small stamp entry beside it lets each process keep the unpickled index in memory
and read the shared copy only when a newer one has landed: a request costs one small
cache read, whatever the size of the queue.

When the shared copy is gone (Redis unreachable, or restarted empty), each process keeps
to its own memory: the index it last read or walked (stale, with its age, rather than
none), its own readers' wish for walks, and, while Redis is unreachable, a walk of its own
every interval (the lease is then every process's).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from dashboard.core.upstream import Problem
from dashboard.flownally.models import Conversation
from dashboard.openqueue.metrics import FailedDelivery, QueueHealth

INDEX_KEY = "openqueue:index:v1"
STAMP_KEY = "openqueue:stamp:v1"
FAILURE_KEY = "openqueue:failure:v1"
WANTED_KEY = "openqueue:wanted:v1"


@dataclass(frozen=True)
class Index:
    conversations: tuple[Conversation, ...]
    interacted: frozenset[str]  # IDs of those a team member has written in
    users: dict[str, str]  # every team member: ID -> name
    active_users: frozenset[str]
    inboxes: dict[str, str]
    health: QueueHealth
    failed_deliveries: int  # len(failed): the wallboard's count
    started_at: float  # epoch seconds, when the walk began: every process agrees on it
    finished_at: float
    # The failed deliveries themselves, newest failure first (last, with a default: an
    # index pickled before it existed still loads).
    failed: tuple[FailedDelivery, ...] = ()

    @property
    def walk_seconds(self) -> float:
        return self.finished_at - self.started_at


@dataclass(frozen=True)
class Failure:
    at: float
    problem: Problem


def interval() -> int:
    return settings.OPEN_QUEUE_REFRESH_SECONDS


def store(index: Index) -> None:
    global _failed
    cache.set_many({INDEX_KEY: index, STAMP_KEY: index.started_at}, timeout=None)
    cache.delete(FAILURE_KEY)
    _remember(index)
    _failed = None


def store_failure(failure: Failure) -> None:
    global _failed
    cache.set(FAILURE_KEY, failure, timeout=None)
    _failed = failure


def stored() -> tuple[float | None, Failure | None]:
    """(the stored index's stamp, the latest failed walk): one round trip; this process's
    own when the shared cache has none."""
    found = cache.get_many([STAMP_KEY, FAILURE_KEY])
    if STAMP_KEY not in found and (memo := _memo) is not None:
        return memo.started_at, found.get(FAILURE_KEY) or _failed
    return found.get(STAMP_KEY), found.get(FAILURE_KEY)


_memo: Index | None = None
_memo_lock = threading.Lock()
_failed: Failure | None = None  # this process's latest failed walk


def _remember(index: Index) -> None:
    global _memo
    with _memo_lock:
        if _memo is None or index.started_at >= _memo.started_at:
            _memo = index


def load(stamp: float | None) -> Index | None:
    """The index stamped `stamp`, from this process's memory when it has it."""
    if stamp is None:
        return None
    memo = _memo
    if memo is not None and memo.started_at == stamp:
        return memo
    index = cache.get(INDEX_KEY)
    if not isinstance(index, Index):
        return memo
    _remember(index)
    return index


def due(stamp: float | None, failure: Failure | None, now: float | None = None) -> bool:
    """A new walk is due one interval after the last began; after a failed one, one
    interval after it failed."""
    now = time.time() if now is None else now
    if failure is not None and (stamp is None or failure.at > stamp):
        return now - failure.at >= interval()
    return stamp is None or now - stamp >= interval()


_marked_at = 0.0


def mark_wanted() -> None:
    """Someone is looking: walks go on for OPEN_QUEUE_IDLE_SECONDS more (with nobody
    looking, the index costs Flownally nothing). One write per process every few seconds."""
    global _marked_at
    idle = settings.OPEN_QUEUE_IDLE_SECONDS
    now = time.monotonic()
    if now - _marked_at >= min(15, idle / 4):
        _marked_at = now
        cache.set(WANTED_KEY, time.time(), timeout=idle)


def wanted() -> bool:
    """Someone looked lately: anywhere, or (should the shared mark be gone) here."""
    if cache.get(WANTED_KEY) is not None:
        return True
    return bool(_marked_at) and time.monotonic() - _marked_at < settings.OPEN_QUEUE_IDLE_SECONDS


def forget_process_state() -> None:
    """Drop this process's memory of the index and of marking it wanted (tests)."""
    global _memo, _marked_at, _failed
    _memo, _marked_at, _failed = None, 0.0, None
