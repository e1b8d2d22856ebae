"""Whether the shared cache answers: for the readiness endpoint, and for code that must
act alone while nobody can coordinate through it. `status` waits at most the cache's
short socket timeout (CACHE_SOCKET_TIMEOUT); `unreachable` never talks to Redis."""

from __future__ import annotations

import time

from django.core.cache import caches

from dashboard.core.redis_cache import RedisCache


def status() -> tuple[str, str]:
    """("ok" | "down" | "local", a line for a person). "local": the cache is this process's
    own memory, not shared, and cannot fail. While Redis is being skipped after a failure,
    "down" comes at once; otherwise after one PING."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return "local", f"{type(backend).__name__}: this process's own memory"
    if backend.ping():
        return "ok", "Redis answers"
    outage = backend.outage
    since = time.time() - (outage.since or time.time())
    return "down", f"Redis unreachable for {since:.0f} s ({outage.error})"


def unreachable() -> bool:
    """True while this process is serving without the shared cache (no round trip)."""
    backend = caches["default"]
    return isinstance(backend, RedisCache) and backend.outage.down


def notice(request) -> dict:
    """Context processor: signed-in pages say when the shared cache is down (no round trip)."""
    return {"shared_cache_down": unreachable()}
