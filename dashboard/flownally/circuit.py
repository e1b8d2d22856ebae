"""A circuit breaker for Flownally, shared by every process through Django's cache.

Closed: calls go out. After FLOWNALLY_CIRCUIT_FAILURES consecutive failures that say
Flownally is unwell (timeouts, connection errors, 5xx; never a 4xx) it opens: for
FLOWNALLY_CIRCUIT_OPEN_SECONDS every call fails at once with Unavailable, without touching
the network, so pages serve their stale copies immediately instead of waiting on a dead
upstream. Then it is half-open: exactly one call, across processes (`cache.add`), probes;
its success closes the circuit, its failure opens it again.

Cost: one `get_many` before each upstream attempt (none for a cache hit; with a request
budget, request_budget.py makes it in its own round trip); the writes happen
only on failures and on state changes.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from dashboard.core.counters import bump
from dashboard.flownally.errors import Unavailable

logger = logging.getLogger("dashboard.flownally")

_STATE = "flownally:circuit:state"  # ("open", opened_at) or ("closed", closed_at)
_FAILURES = "flownally:circuit:failures"  # consecutive failures, by every process
# Held by the one half-open probe of each opening (named by when it opened, so that a
# process that read an older opening cannot take a probe of its own).
_PROBE = "flownally:circuit:probe:{}"
KEYS = [_STATE, _FAILURES]  # what admit reads (request_budget.py reads them with its count)
_PERSON = "a person's action"  # a Ticket's probe while open: it closes or reopens too
_FAILURES_FORGOTTEN_S = 300  # failures this far apart are not "consecutive"


@dataclass(frozen=True)
class State:
    name: str  # "closed", "open" or "half-open"
    since: float | None  # wall-clock time it became so (None: closed since ever)


@dataclass(frozen=True)
class Ticket:
    """What `admit` saw, so that reporting the outcome costs no further read."""

    probe: str | None = None  # the probe's token, when this call is the half-open probe
    failures: int = 0


def _read(found: dict | None = None) -> tuple[object, int]:
    if found is None:
        found = cache.get_many(KEYS)
    return found.get(_STATE), int(found.get(_FAILURES) or 0)


def state() -> State:
    """The circuit as a readiness check reports it."""
    stored, _ = _read()
    if isinstance(stored, tuple) and stored[0] == "open":
        reopens = stored[1] + settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS
        return State("open", stored[1]) if time.time() < reopens else State("half-open", reopens)
    return State("closed", stored[1] if isinstance(stored, tuple) else None)


def admit(route: str, *, asked_by_a_person: bool = False, seen: dict | None = None) -> Ticket:
    """Before an upstream attempt: a ticket to go, or Unavailable at once while open.

    An action a person is waiting for goes out even while the circuit is open: such
    actions are few, refusing one untried would leave them refused for up to
    FLOWNALLY_CIRCUIT_OPEN_SECONDS after Flownally is back, and its outcome is news
    (success closes the circuit at once). `seen`: KEYS as already read, if they were."""
    stored, failures = _read(seen)
    if not (isinstance(stored, tuple) and stored[0] == "open"):
        return Ticket(failures=failures)
    if asked_by_a_person:
        return Ticket(probe=_PERSON, failures=failures)
    if time.time() < stored[1] + settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS:
        raise Unavailable(f"Flownally is failing; {route} was not tried (circuit open)")
    token = uuid.uuid4().hex
    # The probe's claim lapses after one attempt's time, so a probe that dies frees it.
    hold = settings.FLOWNALLY_CONNECT_TIMEOUT + settings.FLOWNALLY_READ_TIMEOUT + 1
    if cache.add(_PROBE.format(stored[1]), token, timeout=int(hold) + 1):
        logger.warning("Flownally circuit half-open: probing with %s", route)
        return Ticket(probe=token, failures=failures)
    raise Unavailable(f"Flownally is failing; {route} was not tried (circuit half-open)")


def succeeded(ticket: Ticket) -> None:
    if ticket.probe is None and ticket.failures == 0:
        return  # the common case: closed and healthy, nothing to write
    if ticket.probe is not None:
        cache.set(_STATE, ("closed", time.time()), timeout=None)
        logger.warning("Flownally circuit closed: the probe succeeded")
    cache.delete(_FAILURES)


def failed(ticket: Ticket, error: Unavailable) -> None:
    if ticket.probe is not None:
        cache.set(_STATE, ("open", time.time()), timeout=None)
        logger.warning("Flownally circuit open again: the probe failed (%s)", error)
        return
    count = bump(_FAILURES, _FAILURES_FORGOTTEN_S)
    if count < settings.FLOWNALLY_CIRCUIT_FAILURES:
        return
    stored = cache.get(_STATE)
    if isinstance(stored, tuple) and stored[0] == "open":
        return  # another process opened it already
    cache.set(_STATE, ("open", time.time()), timeout=None)
    logger.warning(
        "Flownally circuit open for %g s after %d failures in a row (last: %s)",
        settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS,
        count,
        error,
    )
