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
