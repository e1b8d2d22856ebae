"""Django's Redis cache backend, keeping one redis client per connection pool, and
answering as a cache that holds nothing while Redis cannot be reached (or cannot write).

Django builds a new `redis.Redis` for every cache operation, and building one fills a
table of some 170 response callbacks: about 0.2 ms each time, which was most of what a
poll answered from the cache cost. A client is thread-safe (each command borrows a
connection from the pool), so one per pool serves every thread.

Django also builds a backend, with its own client and connection pool, per thread and per
context: a fan-out call (flownally/fanout.py) runs in a copy of its request's context in
another thread, where Django's cache handler finds nothing and builds a new one, so every
call of every page paid for a client (some 0.4 ms of package metadata lookup alone) and a
fresh TCP connection and handshake to Redis. One client per configuration now serves every
backend of the process.

Redis is a cache here, never the only copy (sessions are written through to the
database, auth falls back to it, Flownally reads fetch again), so a Redis that refuses,
drops or hangs must not fail a request. On a connection error or a timeout each operation
answers as for a missing key: `get` its default, `get_many` {}, `has_key`/`touch`/`delete`
False, `incr` ValueError, writes nothing. `add` answers True: nobody can coordinate, so
the caller proceeds alone, as it would with nobody else about. Every cache lock here
guards against repeated work (a fetch, a walk of the queue), never against doing something
twice that must happen once (bulk jobs lease their database row), so repeating it once per
process beats doing it not at all; a new lock that guards correctness must not use the
cache.

After a failure the process skips Redis for CACHE_RETRY_SECONDS, then lets one operation
try again while the others still skip: a hung Redis costs one socket timeout per process
per interval, not one per operation. A WARNING is logged when an outage starts and when
it ends, not per call.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends import redis as django_redis
from django.utils.functional import cached_property

log = logging.getLogger(__name__)

_DEFAULT_RETRY_SECONDS = 5.0


class Outage:
    """One process's view of one Redis: whether it answered lately, and the writes it
    missed meanwhile. Shared by every thread (Django makes a backend, and so a client, per
    thread)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._lock = threading.Lock()
        self.since: float | None = None  # time.time() of the first failure, None while up
        self.error = ""
        self._retry_at = 0.0  # monotonic: before it, skip Redis
        self._probing = False  # one operation is trying Redis again
        self.missed: dict[str, str] = {}  # key -> "delete" | "incr", to replay on recovery
        self.overflow = False  # too many to list: the whole cache is cleared instead

    @property
    def down(self) -> bool:
        return self.since is not None

    def may_try(self) -> bool | None:
        """None: skip Redis. False: talk to it (it is up). True: talk to it as the one
        operation that tries it again after a failure."""
        if self.since is None:
            return False
        with self._lock:
            if self._probing or time.monotonic() < self._retry_at:
                return None
            self._probing = True
            return True

    def miss(self, keys, how: str) -> None:
        with self._lock:
            for key in keys:
                if self.missed.get(key) != "incr":
                    self.missed[key] = how
            if len(self.missed) > MAX_MISSED:
                self.missed, self.overflow = {}, True

    def failed(self, error: Exception) -> None:
        with self._lock:
            self._probing = False
            self._retry_at = time.monotonic() + retry_seconds()
            self.error = f"{type(error).__name__}: {error}"
            started, self.since = self.since is None, self.since or time.time()
        if started:
            log.warning(
                "shared cache %s unreachable (%s): serving without it, trying again every %g s",
                self.location,
                self.error,
                retry_seconds(),
            )

    def pending(self) -> tuple[dict[str, str], bool]:
        with self._lock:
            return dict(self.missed), self.overflow

    def replayed(self, missed: dict[str, str], overflow: bool) -> bool:
        """Forget what was replayed; True (and up again) when nothing more was missed."""
        with self._lock:
            for key, how in missed.items():
                if self.missed.get(key) == how:
                    del self.missed[key]
            self.overflow = self.overflow and not overflow
            if self.missed or self.overflow or self.since is None:
                return self.since is None
            since, self.since, self._probing = self.since, None, False
        log.warning("shared cache %s back after %.1f s", self.location, time.time() - since)
        return True


MAX_MISSED = 10_000


def retry_seconds() -> float:
    return float(getattr(settings, "CACHE_RETRY_SECONDS", _DEFAULT_RETRY_SECONDS))


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_for(location: str) -> Outage:
    with _outages_lock:
        return _outages.setdefault(location, Outage(location))


def _unwell(error: Exception) -> bool:
    """Redis cannot serve as a cache now: unreachable or hung, and also a primary demoted
    during a failover (read-only), out of memory, or unable to persist (MISCONF): each
    would fail every write until someone acts."""
    if isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return True
    if isinstance(error, redis.exceptions.ReadOnlyError | redis.exceptions.OutOfMemoryError):
        return True
    return isinstance(error, redis.ResponseError) and str(error).startswith("MISCONF")


def _missing_key(key, delta) -> None:
    raise ValueError(f"Key '{key}' not found.")


def _degrades(on_failure: Callable[..., Any], missed: Callable[..., tuple] = lambda *a: ()):
    """Run the operation unless Redis is being skipped; on a connection error or timeout,
    answer `on_failure(*args)` as for an empty cache. A write that did not happen is noted
    (`missed(*args)`: its keys and how to undo what Redis still holds for them)."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self: _Client, *args):
            outage = self.outage
            probe = outage.may_try()
            try:
                if probe is None:
                    raise redis.ConnectionError("skipped: failed lately")
                if probe:
                    self.recover()
                found = method(self, *args)
            except Exception as error:
                if not _unwell(error):
                    if probe and outage.down:  # the probe did not get through: later
                        outage.failed(error)
                    raise
                if keys := missed(*args):
                    outage.miss(*keys)
                if probe is not None:
                    outage.failed(error)
                return on_failure(*args)
            return found

        return guarded

    return wrap


def _deleted(*args) -> tuple:
    keys = args[0]
    return ([keys] if isinstance(keys, str) else list(keys)), "delete"


class _Client(django_redis.RedisCacheClient):
    def __init__(self, servers, *args, **kwargs) -> None:
        super().__init__(servers, *args, **kwargs)
        self._clients: dict[int, object] = {}
        self.outage = outage_for(",".join(servers))

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:  # two threads may both build one; either will do
            client = self._clients[index] = super().get_client(key, write=write)
        return client

    def recover(self) -> None:
        """Undo, in Redis, what it holds from before the outage for the writes it missed:
        delete what was set or deleted meanwhile (a signed-out session must not come back),
        move on the generations that were to move. Then serve from it again."""
        client = self.get_client(write=True)
        while True:
            missed, overflow = self.outage.pending()
            if overflow:
                client.flushdb()
            else:
                if deleted := [key for key, how in missed.items() if how == "delete"]:
                    client.delete(*deleted)
                for key in (key for key, how in missed.items() if how == "incr"):
                    if client.exists(key):
                        client.incr(key)
            if self.outage.replayed(missed, overflow):
                return

    add = _degrades(lambda key, value, timeout: True)(django_redis.RedisCacheClient.add)
    get = _degrades(lambda key, default: default)(django_redis.RedisCacheClient.get)
    set = _degrades(lambda *args: None, _deleted)(django_redis.RedisCacheClient.set)
    touch = _degrades(lambda *args: False)(django_redis.RedisCacheClient.touch)
    delete = _degrades(lambda key: False, _deleted)(django_redis.RedisCacheClient.delete)
    get_many = _degrades(lambda keys: {})(django_redis.RedisCacheClient.get_many)
    has_key = _degrades(lambda key: False)(django_redis.RedisCacheClient.has_key)
    incr = _degrades(_missing_key, lambda key, delta: ([key], "incr"))(
        django_redis.RedisCacheClient.incr
    )
    set_many = _degrades(lambda *args: None, _deleted)(django_redis.RedisCacheClient.set_many)
    delete_many = _degrades(lambda keys: None, _deleted)(django_redis.RedisCacheClient.delete_many)
    clear = _degrades(lambda: False)(django_redis.RedisCacheClient.clear)

    @_degrades(lambda key, timeout, keys: _missing_key(key, 1))
    def count_and_get_many(self, key, timeout: int, keys: list) -> tuple[int, dict]:
        """Add one to the counter at `key` (lapsing `timeout` s after it began) and read
        `keys`, in one round trip."""
        pipe = self.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        pipe.mget(keys)
        _, count, values = pipe.execute()
        loads = self._serializer.loads  # type: ignore[attr-defined]  # Django's, untyped
        found = {k: loads(v) for k, v in zip(keys, values, strict=True) if v is not None}
        return count, found

    @_degrades(lambda: False)
    def ping(self) -> bool:
        return bool(self.get_client(write=True).ping())


_clients: dict[str, _Client] = {}
_clients_lock = threading.Lock()


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _Client
        self.outage = outage_for(",".join(self._servers))  # type: ignore[attr-defined]

    @cached_property
    def _cache(self) -> _Client:
        """The process's one client for this configuration (see the module)."""
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = repr((servers, sorted(options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _Client(servers, **options)
        return client

    def count_and_get_many(self, key: str, timeout: int, keys: list[str]) -> tuple[int, dict]:
        """See dashboard/core/counters.py: `count_and_read`."""
        client = self._cache
        assert isinstance(client, _Client)
        made = {self.make_and_validate_key(k): k for k in keys}
        count, found = client.count_and_get_many(
            self.make_and_validate_key(key), timeout, list(made)
        )
        return count, {made[k]: v for k, v in found.items()}

    def ping(self) -> bool:
        """True when Redis answered now; False at once while it is being skipped."""
        client = self._cache
        assert isinstance(client, _Client)
        return client.ping()
