"""A budget of Flownally requests per second, shared by every process and instance.

FLOWNALLY_MAX_RPS attempts may leave in each wall-clock second, counted in the shared cache
(`flownally:budget:<second>`, an atomic counter that lapses after a few seconds). Who may
use how much of a second: a person's page load or action all of it, a poll (an htmx
refresh, see dashboard/core/budget.py) 80 %, background work without a page's deadline
(the open-queue walk, bulk jobs) half, so whatever the background does, people still get
through in the same second. Bulk jobs count as background: a person asked for them, but
nobody waits on any one of their calls, and a job of thousands must not starve pages.

Over budget: a poll fails at once with OverBudget (a RateLimited that Flownally never
sent: the circuit does not count it, and the read cache answers with its stale copy and its
age); a person waits for the next second when the page's deadline leaves time for it;
background work sleeps until the next second. A refused attempt gives its count back.

An attempt leaves no later than 0.9 s into the second it was counted in (one taken later
counts in the next second and waits for it), so that it reaches Flownally within that
second even after 100 ms on the way.

Cost: one cache round trip per attempt on Redis, which also reads the circuit's state
(circuit.py); none for an answer from the cache. With Redis down, each process keeps a
budget of its own, of the full FLOWNALLY_MAX_RPS: outages of the cache are short, and a
split share would throttle a single process needlessly; Flownally's own 429s (retried after
their Retry-After) are the backstop meanwhile.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache

from dashboard.core.counters import count_and_read
from dashboard.flownally import circuit
from dashboard.flownally.deadline import current
from dashboard.flownally.errors import RateLimited, Unavailable

SHARES = {"person": 1.0, "poll": 0.8, "background": 0.5}
_KEY = "flownally:budget:{}"
_KEPT_S = 5  # a second's counter outlives it briefly; no process needs it later
_GUARD_S = 0.1  # the end of each second no attempt leaves in
_ATTEMPT_S = 0.5  # a person waits for the next second only if this much time is left after

_local: dict[int, int] = {}  # this process's counts, while the shared cache is down
_local_lock = threading.Lock()


class OverBudget(RateLimited):
    """This second's budget is spent: the request was not sent (Flownally said nothing)."""


def whose() -> str:
    limit = current()
    if limit is None:
        return "background"
    return "poll" if limit.poll else "person"


def admit(route: str, *, asked_by_a_person: bool = False) -> circuit.Ticket:
    """Before an upstream attempt: wait for (or refuse) a place in the budget, then pass
    the circuit breaker. Raises OverBudget, or the circuit's Unavailable."""
    rps = settings.FLOWNALLY_MAX_RPS
    if rps <= 0:
        return circuit.admit(route, asked_by_a_person=asked_by_a_person)
    kind = whose()
    allowed = max(1, math.floor(rps * SHARES[kind]))
    limit = current()
    while True:
        second = math.floor(time.time() + _GUARD_S)
        count, seen = _count(second)
        if count <= allowed:
            try:
                ticket = circuit.admit(route, asked_by_a_person=asked_by_a_person, seen=seen)
            except Unavailable:
                _give_back(second)
                raise
            if (early := second - time.time()) > 0:
                time.sleep(early)  # counted for the next second: leave in it
            return ticket
        _give_back(second)
        wait = second + 1 - time.time()
        if kind == "poll" or (limit is not None and limit.remaining() < wait + _ATTEMPT_S):
            raise OverBudget(
                f"{route} was not sent: this second's {allowed} Flownally requests "
                f"for {kind} work are spent",
                retry_after=max(0.0, wait),
            )
        time.sleep(max(0.0, wait))


def _count(second: int) -> tuple[int, dict | None]:
    """This second's count with ours, and the circuit's keys read in the same round trip
    (None: not read, the circuit reads them itself)."""
    try:
        return count_and_read(_KEY.format(second), _KEPT_S, circuit.KEYS)
    except ValueError:  # the shared cache is down: count in this process
        with _local_lock:
            for old in [s for s in _local if s < second - _KEPT_S]:
                del _local[old]
            _local[second] = _local.get(second, 0) + 1
            return _local[second], None


def _give_back(second: int) -> None:
    with _local_lock:
        if second in _local:
            _local[second] -= 1
            return
    # Lapsed, or the cache went down: a count left too high only refuses early.
    with contextlib.suppress(ValueError):
        cache.decr(_KEY.format(second))
