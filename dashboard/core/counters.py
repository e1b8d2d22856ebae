"""A counter in the shared cache that every process may add to at once."""

from __future__ import annotations

from django.core.cache import cache


def bump(key: str, timeout: float | None = None) -> int:
    """Add one to the counter at `key` (starting from 0) and return it. `incr` is atomic in
    Redis and in local memory; `add` first, because `incr` refuses a missing key."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted or expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def count_and_read(key: str, timeout: int, keys: list[str]) -> tuple[int, dict]:
    """Add one to the counter at `key` (kept `timeout` seconds from its first count) and read
    `keys`: one round trip on Redis (dashboard/core/redis_cache.py), three elsewhere.
    ValueError when the cache cannot count (Redis is down)."""
    combined = getattr(cache, "count_and_get_many", None)
    if combined is not None:
        return combined(key, timeout, keys)
    cache.add(key, 0, timeout=timeout)
    return cache.incr(key), cache.get_many(keys)
