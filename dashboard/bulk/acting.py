"""One item of a bulk job at Flownally: look at the conversation afresh, act on it with the
item's own Idempotency-Key, and say how it went. Runs in the job's thread pool, so it
touches no database: the runner writes every outcome down.

An item changed since the preview (someone else reassigned or closed it) is skipped, not
overwritten. An item tried before (its worker died, or Flownally went down mid-call) may
already be done by that try: finding it in its target state, it is sent again with the
same key, which Flownally answers by replaying the first answer instead of acting again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from dashboard.bulk import plan
from dashboard.flownally import client
from dashboard.flownally.errors import (
    FlownallyError,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
)

DONE, SKIPPED, FAILED, REFUSED, OUTAGE, NOT_STARTED = (
    "done",
    "skipped",
    "failed",
    "refused",
    "outage",
    "not_started",
)
DEFAULT_WAIT = 1.0  # seconds to wait after a 429 without Retry-After


@dataclass(frozen=True)
class Work:
    """What acting needs of an item (a plain copy: threads do not share model rows)."""

    conversation_id: str
    before_assignee: str
    before_status: str
    target: str
    key: str
    tried_before: bool


@dataclass(frozen=True)
class Result:
    kind: str
    reason: str = ""
    status: int | None = None
    request_id: str = ""


class Gate:
    """Shared by a job's threads: after a 429, nobody calls Flownally until Retry-After has
    passed (one thread's 429 is everyone's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def wait(self, stop: threading.Event) -> None:
        while (left := self._not_before - time.monotonic()) > 0 and not stop.is_set():
            stop.wait(left)


def _changed(work: Work, assignee: str, status: str) -> str:
    """Why the item must be left alone ("" if it may go ahead)."""
    arrived = status == "closed" if not work.target else assignee == work.target
    if arrived and work.tried_before:
        return ""  # maybe our own earlier try: the same key replays it
    if status == "closed":
        return "closed since the preview"
    if arrived:
        return "reassigned to them since the preview"
    if assignee != work.before_assignee:
        return "reassigned since the preview"
    return ""


def act(action: str, work: Work, gate: Gate, stop: threading.Event) -> Result:
    """Do one item; waits out 429s (and stops waiting when `stop` is set)."""
    while True:
        gate.wait(stop)
        if stop.is_set():
            return Result(NOT_STARTED)
        try:
            current = client.conversation_get(work.conversation_id, cached=False)
            why = _changed(work, current.assignee_id or "", current.status or "open")
            if why:
                return Result(SKIPPED, why)
            if action == plan.CLOSE:
                client.conversation_close(work.conversation_id, idempotency_key=work.key)
            else:
                client.conversation_reassign(
                    work.conversation_id, work.target, idempotency_key=work.key
                )
            return Result(DONE)
        except RateLimited as error:
            gate.hold(error.retry_after or DEFAULT_WAIT)
        except Unavailable as error:
            return Result(OUTAGE, str(error), error.status or None, error.request_id or "")
        except NotFound:
            return Result(SKIPPED, "no longer exists")
        except ValidationFailed as error:
            return Result(REFUSED, str(error)[:300], error.status, error.request_id or "")
        except FlownallyError as error:
            return Result(FAILED, str(error)[:300], error.status or None, error.request_id or "")
