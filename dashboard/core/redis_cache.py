"""Django's Redis cache backend, keeping one redis client per connection pool, and
answering as a cache that holds nothing while Redis cannot be reached.

Django builds a new `redis.Redis` for every cache operation, and building one fills a
table of some 170 response callbacks: about 0.2 ms each time, which was most of what a
poll answered from the cache cost. A client is thread-safe (each command borrows a
connection from the pool), so one per pool serves every thread.

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

log = logging.getLogger(__name__)

_DEFAULT_RETRY_SECONDS = 5.0


class Outage:
    """One process's view of one Redis: whether it answered lately. Shared by every thread
    (Django makes a cache backend, and so a client, per thread)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._lock = threading.Lock()
        self.since: float | None = None  # time.time() of the first failure, None while up
        self.error = ""
        self._retry_at = 0.0  # monotonic: before it, skip Redis
        self._probing = False  # one operation is trying Redis again

    @property
    def down(self) -> bool:
        return self.since is not None

    def may_try(self) -> bool:
        """True when an operation should talk to Redis: it is up, or this one is the probe."""
        if self.since is None:
            return True
        with self._lock:
            if self._probing or time.monotonic() < self._retry_at:
                return False
            self._probing = True
            return True

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

    def answered(self) -> None:
        if self.since is None:
            return
        with self._lock:
            since, self.since, self._probing = self.since, None, False
        if since is not None:
            log.warning("shared cache %s back after %.1f s", self.location, time.time() - since)


def retry_seconds() -> float:
    return float(getattr(settings, "CACHE_RETRY_SECONDS", _DEFAULT_RETRY_SECONDS))


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_for(location: str) -> Outage:
    with _outages_lock:
        return _outages.setdefault(location, Outage(location))


def _missing_key(key, delta) -> None:
    raise ValueError(f"Key '{key}' not found.")


def _degrades(on_failure: Callable[..., Any]):
    """Run the operation unless Redis is being skipped; on a connection error or timeout,
    answer `on_failure(*args)` as for an empty cache."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self: _Client, *args):
            outage = self.outage
            if not outage.may_try():
                return on_failure(*args)
            try:
                found = method(self, *args)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                outage.failed(error)
                return on_failure(*args)
            except Exception:
                outage.answered()  # Redis answered, if with an error (or the value did)
                raise
            outage.answered()
            return found

        return guarded

    return wrap


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

    add = _degrades(lambda key, value, timeout: True)(django_redis.RedisCacheClient.add)
    get = _degrades(lambda key, default: default)(django_redis.RedisCacheClient.get)
    set = _degrades(lambda *args: None)(django_redis.RedisCacheClient.set)
    touch = _degrades(lambda *args: False)(django_redis.RedisCacheClient.touch)
    delete = _degrades(lambda key: False)(django_redis.RedisCacheClient.delete)
    get_many = _degrades(lambda keys: {})(django_redis.RedisCacheClient.get_many)
    has_key = _degrades(lambda key: False)(django_redis.RedisCacheClient.has_key)
    incr = _degrades(_missing_key)(django_redis.RedisCacheClient.incr)
    set_many = _degrades(lambda *args: None)(django_redis.RedisCacheClient.set_many)
    delete_many = _degrades(lambda keys: None)(django_redis.RedisCacheClient.delete_many)
    clear = _degrades(lambda: False)(django_redis.RedisCacheClient.clear)

    @_degrades(lambda: False)
    def ping(self) -> bool:
        return bool(self.get_client(write=True).ping())


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _Client

    @property
    def outage(self) -> Outage:
        return outage_for(",".join(self._servers))

    def ping(self) -> bool:
        """True when Redis answered now; False at once while it is being skipped."""
        return self._cache.ping()
