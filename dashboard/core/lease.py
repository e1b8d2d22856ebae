"""A lease in the shared cache: at most one holder at a time across every process and
instance, given up by a holder that dies within `seconds`, kept by one that lives by
renewing it.

`cache.add` is atomic in Redis and in local memory, so two takers never both succeed. A
renewal checks the holder first; between that read and the touch the lease could lapse
and pass to another taker only if the holder stalled for longer than `seconds`, which
renewals every `seconds / 4` make a very long stall (and the holder then finds it lost at
its next renewal and gives up its work).

While the shared cache is unreachable nobody can coordinate: `acquire` succeeds (the
cache's `add` answers True) and a renewal keeps it, so each process does the work alone.
Leases here guard work that is merely wasteful to repeat (a walk of the queue), never
work that must happen once.
"""

from __future__ import annotations

import os
import uuid

from django.core.cache import cache

from dashboard.core import cache_health


class Lease:
    def __init__(self, key: str, seconds: int) -> None:
        self.key = key
        self.seconds = seconds

    def acquire(self) -> str | None:
        """A token when this caller now holds the lease, else None. The token names the
        process (pid first), so whoever looks can tell which one holds it."""
        token = f"{os.getpid()}:{uuid.uuid4().hex}"
        return token if cache.add(self.key, token, timeout=self.seconds) else None

    def renew(self, token: str) -> bool:
        """Keep holding it for another `seconds`; False when it is no longer ours."""
        if cache.get(self.key) != token:
            return cache_health.unreachable()
        return cache.touch(self.key, timeout=self.seconds) or cache_health.unreachable()

    def release(self, token: str) -> None:
        if cache.get(self.key) == token:
            cache.delete(self.key)

    def holder(self) -> str | None:
        found = cache.get(self.key)
        return found if isinstance(found, str) else None
