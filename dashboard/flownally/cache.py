"""A short-TTL read cache over Django's cache, with single-flight and stale fallback.

`read_through(name, tags, ttl, fetch)`: each read has one entry, keyed by its name alone:
(fetched_at, its tags' generations then, value). It is fresh while those generations are
current and it is younger than its TTL. Otherwise one caller fetches while the others wait
for its answer: threads of one process queue on a local lock; processes take a lock in the
shared cache (`cache.add` is atomic in Redis and in local memory), so many viewers of the
same data cost one upstream request.

Writes invalidate by tag: `invalidate(tag)` moves the tag's generation on, which ends the
freshness of every entry with that tag, never the entry itself: entries are kept
`FLOWNALLY_STALE_FOR` seconds past their TTL, so that when Flownally fails (or the circuit
is open, or the page's budget ran out waiting) the last good value, of any generation, is
served marked stale with its age to callers that accept it.

A failure is shared, not repeated: the fetcher publishes it next to the entry for a few
seconds, and those who were waiting for that fetch answer stale (or with the error)
without fetching again. Waiters wait at most until their deadline. The cross-process lock
lasts one attempt (bounded by the deadline), renewed by a holder that retries, so a
process killed while holding it blocks nobody for longer than that.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from dashboard.core.counters import bump
from dashboard.flownally import transport
from dashboard.flownally.deadline import Deadline, current
from dashboard.flownally.errors import FlownallyError, OutOfTime, RateLimited, Unavailable

_PREFIX = "flownally:"
_POLL_S = 0.01
_FAILURE_KEPT_S = 5  # long enough for every waiter of the failed fetch to read it
_SHARED = {"Unavailable": Unavailable, "RateLimited": RateLimited}

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def now() -> float:
    """Wall-clock seconds; entries carry it so that every process agrees on their age."""
    return time.time()


@dataclass(frozen=True)
class Cached[T]:
    value: T
    stale: bool = False
    age: float = 0.0


def invalidate(*tags: str) -> None:
    """Make every cached read with one of these tags miss from now on."""
    for tag in tags:
        bump(f"{_PREFIX}gen:{tag}")


def make_key(name: str) -> str:
    """The cache key of a read's entry (its lock and failure sit beside it)."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:40]
    return f"{_PREFIX}v2:{digest}"


def get_current(name: str, tags: Iterable[str]) -> tuple[object | None, tuple]:
    """(value, generations): the value `set_current` kept under `name` unless one of its
    tags was invalidated since, in one round trip. Pass the generations to `set_current`:
    read before the value was computed, they can only make it miss too early, never late."""
    keys = current_keys(name, tags)
    return current_from(cache.get_many(keys), keys)


def current_keys(name: str, tags: Iterable[str]) -> list[str]:
    """The keys `get_current` reads (to read them in one round trip with others)."""
    return [f"{_PREFIX}current:{name}", *(f"{_PREFIX}gen:{tag}" for tag in sorted(tags))]


def current_from(found: dict, keys: list[str]) -> tuple[object | None, tuple]:
    """`get_current`'s answer from what reading `keys` found."""
    key, *gen_keys = keys
    generations = tuple(found.get(k, 0) for k in gen_keys)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generations:
        return entry[1], generations
    return None, generations


def set_current(name: str, generations: tuple, value: object, timeout: float) -> None:
    cache.set(f"{_PREFIX}current:{name}", (generations, value), timeout=_whole_seconds(timeout))


@dataclass(frozen=True)
class _Look:
    """One round trip's view of a read: its entry, its tags' generations, the last failure."""

    entry: object
    generations: tuple
    failure: object

    def fresh(self, ttl: float) -> bool:
        entry = self.entry
        return (
            isinstance(entry, tuple)
            and len(entry) == 3
            and entry[1] == self.generations
            and now() - entry[0] < ttl
        )

    def served(self, stale: bool = False) -> Cached:
        entry: tuple = self.entry  # type: ignore[assignment]  # fresh() or _give_up checked
        return Cached(entry[2], stale=stale, age=now() - entry[0])

    def new_failure_since(self, before: _Look) -> FlownallyError | None:
        """The failure published after `before` was taken, as the error to raise."""
        failure = self.failure
        if not isinstance(failure, tuple) or failure == before.failure:
            return None
        _, kind, message, status, retry_after = failure
        return _SHARED.get(kind, Unavailable)(message, status, retry_after=retry_after)


def _look(key: str, tags: tuple[str, ...]) -> _Look:
    gen_keys = [f"{_PREFIX}gen:{tag}" for tag in tags]
    found = cache.get_many([key, f"{key}:failed", *gen_keys])
    return _Look(
        found.get(key), tuple(found.get(k, 0) for k in gen_keys), found.get(f"{key}:failed")
    )


def _give_up(look: _Look, error: FlownallyError, allow_stale: bool) -> Cached:
    """The last good copy, marked stale, for callers that accept it; else the error."""
    if allow_stale and isinstance(look.entry, tuple) and len(look.entry) == 3:
        return look.served(stale=True)
    raise error


def read_through[T](
    name: str,
    tags: Iterable[str],
    ttl: float,
    fetch: Callable[[], T],
    *,
    allow_stale: bool = False,
) -> Cached[T]:
    key, tags = make_key(name), tuple(sorted(tags))
    first = _look(key, tags)
    if first.fresh(ttl):
        return first.served()
    limit = current()
    with _local_lock(key, limit) as mine:
        look = _look(key, tags)
        if look.fresh(ttl):
            return look.served()
        if not mine:  # the deadline came while another thread fetched
            return _give_up(look, limit.exceeded() if limit else Unavailable(name), allow_stale)
        if failure := look.new_failure_since(first):  # the fetch we waited for failed
            return _give_up(look, failure, allow_stale)
        with _shared_lock(key, limit) as held:
            if not isinstance(held, _Held):
                look = _look(key, tags)
                if look.fresh(ttl):
                    return look.served()
                if failure := look.new_failure_since(first):
                    return _give_up(look, failure, allow_stale)
                if held is None and limit is not None:  # our deadline came while waiting
                    return _give_up(look, limit.exceeded(), allow_stale)
                # The holder left no answer (it died, or gave up): fetch ourselves.
            try:
                with transport.on_retry(held.renew if isinstance(held, _Held) else lambda _: None):
                    value = fetch()
            except (Unavailable, RateLimited) as error:
                if not isinstance(error, OutOfTime):  # our budget's end is ours alone
                    cache.set(
                        f"{key}:failed",
                        (uuid.uuid4().hex, type(error).__name__, error.message, error.status,
                         error.retry_after),
                        timeout=_FAILURE_KEPT_S,
                    )  # fmt: skip
                return _give_up(look, error, allow_stale)
            cache.set(
                key,
                (now(), look.generations, value),
                timeout=_whole_seconds(ttl + settings.FLOWNALLY_STALE_FOR),
            )
            return Cached(value)


def _whole_seconds(seconds: float) -> int:
    """Django's Redis backend truncates timeouts to whole seconds (0 = gone at once)."""
    return max(1, math.ceil(seconds))


def _fetch_budget() -> int:
    """The longest one fetch can take without a deadline: every attempt at its timeouts,
    and the waits between (how long a waiter without a deadline waits at most)."""
    attempts = settings.FLOWNALLY_RETRIES + 1
    return _whole_seconds(
        attempts * _attempt() + settings.FLOWNALLY_RETRIES * settings.FLOWNALLY_RETRY_CAP
    )


def _attempt() -> float:
    return settings.FLOWNALLY_CONNECT_TIMEOUT + settings.FLOWNALLY_READ_TIMEOUT


@contextmanager
def _local_lock(key: str, limit: Deadline | None) -> Iterator[bool]:
    """Yields whether this thread holds the process's lock for `key` (False: the deadline
    came first)."""
    with _local_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    got = lock.acquire(timeout=max(0.0, limit.remaining())) if limit else lock.acquire()
    try:
        yield got
    finally:
        if got:
            lock.release()
        # The lock dict only grows with distinct keys in flight; forget idle ones.
        with _local_guard:
            if not lock.locked() and _local_locks.get(key) is lock:
                del _local_locks[key]


class _Held:
    """The cross-process lock for one read, held by this process."""

    def __init__(self, lock_key: str, token: str, seconds: int) -> None:
        self.lock_key, self.token, self.seconds = lock_key, token, seconds

    def renew(self, wait: float = 0.0) -> None:
        """Before a retry: hold it for the wait and another attempt, if it is still ours."""
        if cache.get(self.lock_key) == self.token:
            cache.touch(self.lock_key, timeout=_whole_seconds(self.seconds + wait))


@contextmanager
def _shared_lock(key: str, limit: Deadline | None) -> Iterator[_Held | bool | None]:
    """Yields a `_Held` when this process holds the cross-process lock for `key`; False when
    the holder finished (or its lock lapsed) while we waited: then the cache probably has
    the answer or its failure; None when our deadline came first.

    The lock lasts one attempt, and no longer than the deadline: a holder killed while
    fetching blocks the others for that long at most."""
    lock_key = f"{key}:lock"
    token = uuid.uuid4().hex
    seconds = _whole_seconds(min(_attempt(), limit.remaining()) if limit else _attempt()) + 1
    if cache.add(lock_key, token, timeout=seconds):
        try:
            yield _Held(lock_key, token, seconds)
        finally:
            if cache.get(lock_key) == token:
                cache.delete(lock_key)
        return
    give_up = limit.at if limit else time.monotonic() + _fetch_budget()
    while cache.get(lock_key) is not None:
        if time.monotonic() >= give_up:
            yield None if limit else False
            return
        time.sleep(_POLL_S)
    yield False
