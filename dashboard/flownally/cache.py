"""A short-TTL read cache over Django's cache, with single-flight and stale fallback.

`read_through(key, ttl, fetch)`: a fresh entry is served as is. Otherwise one caller
fetches while the others wait for its answer: threads of one process queue on a local
lock; processes take a lock in the shared cache (`cache.add` is atomic in Redis and in
local memory), so many viewers of the same data cost one upstream request. Entries are
kept `FLOWNALLY_STALE_FOR` seconds past their TTL, so that when Flownally is down the last
good value can be served, marked stale, to callers that accept it.

Writes invalidate by tag: each entry's key includes the current generation of its tags
(`cnv:<id>`, `conversations`, …), and `invalidate(tag)` moves that generation on.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from dashboard.flownally.errors import RateLimited, Unavailable

_PREFIX = "flownally:"
_POLL_S = 0.01

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


@contextmanager
def _local_lock(key: str):
    with _local_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    with lock:
        yield
    # The lock dict only grows with distinct keys in flight; forget idle ones.
    with _local_guard:
        if not lock.locked() and _local_locks.get(key) is lock:
            del _local_locks[key]


def _generations(tags: Iterable[str]) -> str:
    tags = sorted(tags)
    if not tags:
        return ""
    found = cache.get_many([f"{_PREFIX}gen:{tag}" for tag in tags])
    return ",".join(str(found.get(f"{_PREFIX}gen:{tag}", 0)) for tag in tags)


def invalidate(*tags: str) -> None:
    """Make every cached read with one of these tags miss from now on."""
    for tag in tags:
        key = f"{_PREFIX}gen:{tag}"
        cache.add(key, 0, timeout=None)
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=None)


def make_key(name: str, tags: Iterable[str] = ()) -> str:
    tags = tuple(tags)
    digest = hashlib.sha256(f"{name}|{_generations(tags)}".encode()).hexdigest()[:40]
    return f"{_PREFIX}v1:{digest}"


def get_current(name: str, tags: Iterable[str]) -> tuple[object | None, tuple]:
    """(value, generations): the value `set_current` kept under `name` unless one of its
    tags was invalidated since, in one round trip. Pass the generations to `set_current`:
    read before the value was computed, they can only make it miss too early, never late."""
    gen_keys = [f"{_PREFIX}gen:{tag}" for tag in sorted(tags)]
    key = f"{_PREFIX}current:{name}"
    found = cache.get_many([key, *gen_keys])
    generations = tuple(found.get(k, 0) for k in gen_keys)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generations:
        return entry[1], generations
    return None, generations


def set_current(name: str, generations: tuple, value: object, timeout: float) -> None:
    cache.set(f"{_PREFIX}current:{name}", (generations, value), timeout=_whole_seconds(timeout))


def _fresh(entry: object, ttl: float) -> bool:
    return isinstance(entry, tuple) and now() - entry[0] < ttl


def read_through[T](
    key: str, ttl: float, fetch: Callable[[], T], *, allow_stale: bool = False
) -> Cached[T]:
    entry = cache.get(key)
    if _fresh(entry, ttl):
        return Cached(entry[1], age=now() - entry[0])
    with _local_lock(key):
        entry = cache.get(key)
        if _fresh(entry, ttl):
            return Cached(entry[1], age=now() - entry[0])
        with _shared_lock(key) as won:
            if not won:  # another process fetched while we waited
                entry = cache.get(key)
                if _fresh(entry, ttl):
                    return Cached(entry[1], age=now() - entry[0])
            try:
                value = fetch()
            except (Unavailable, RateLimited):
                if allow_stale and isinstance(entry, tuple):
                    return Cached(entry[1], stale=True, age=now() - entry[0])
                raise
            cache.set(
                key, (now(), value), timeout=_whole_seconds(ttl + settings.FLOWNALLY_STALE_FOR)
            )
            return Cached(value)


def _whole_seconds(seconds: float) -> int:
    """Django's Redis backend truncates timeouts to whole seconds (0 = gone at once)."""
    return max(1, math.ceil(seconds))


def _fetch_budget() -> int:
    """The longest one fetch can take: every attempt at its timeouts, and the waits between."""
    attempts = settings.FLOWNALLY_RETRIES + 1
    per_attempt = settings.FLOWNALLY_CONNECT_TIMEOUT + settings.FLOWNALLY_READ_TIMEOUT
    return _whole_seconds(
        attempts * per_attempt + settings.FLOWNALLY_RETRIES * settings.FLOWNALLY_RETRY_CAP
    )


@contextmanager
def _shared_lock(key: str):
    """Yields True when this process holds the cross-process lock for `key`, False when the
    holder finished (or gave up) while we waited: then the cache probably has the answer."""
    lock_key = f"{key}:lock"
    token = uuid.uuid4().hex
    hold_for = _fetch_budget()
    if cache.add(lock_key, token, timeout=hold_for):
        try:
            yield True
        finally:
            if cache.get(lock_key) == token:
                cache.delete(lock_key)
        return
    deadline = time.monotonic() + hold_for
    while time.monotonic() < deadline and cache.get(lock_key) is not None:
        time.sleep(_POLL_S)
    yield False
