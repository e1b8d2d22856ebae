"""The open-queue index as pages read it: the latest index, its age, and whether the last
walk failed. Reading marks the index wanted and makes sure this process's refresher runs;
only before the very first index does a reader wait for a walk."""

from __future__ import annotations

import time
from dataclasses import dataclass

from dashboard.flownally import deadline as page_deadline
from dashboard.openqueue import index, refresher
from dashboard.openqueue.index import Failure, Index

FIRST_WAIT = 30  # seconds a reader waits for the very first index
_RENDER_MARGIN = 0.5  # of a page's budget, kept for the page itself


@dataclass(frozen=True)
class Reading:
    index: Index | None
    failure: Failure | None  # the latest walk failed (after this index began)
    age: float | None  # seconds since this index's walk began

    @property
    def stale(self) -> bool:
        """Flownally failed the latest walk, or walks stopped arriving."""
        return self.failure is not None or (self.age is not None and self.age > stale_after())


def stale_after() -> int:
    """Seconds after which data is stale with no failure recorded: walks have stopped
    arriving (the wallboard's live.js applies the same limit when the dashboard stops
    answering)."""
    return 3 * index.interval() + 60


def current(wait: float = FIRST_WAIT) -> Reading:
    """The index for a page that shows it: this keeps walks going while people look."""
    index.mark_wanted()
    refresher.ensure_running()
    return _read(wait)


def peek() -> Reading:
    """The index if there is one, for a page that merely can use it (the counts on the
    unfiltered list): it does not, by itself, keep Flownally walked."""
    return _read(0)


def _read(wait: float) -> Reading:
    if limit := page_deadline.current():  # a page waits for the first walk within its budget
        wait = min(wait, max(0.0, limit.remaining() - _RENDER_MARGIN))
    stamp, failure = index.stored()
    deadline = time.monotonic() + wait
    asked = time.time()
    while stamp is None and time.monotonic() < deadline:
        if failure is not None and failure.at >= asked - index.interval():
            break  # the first walk failed: say so rather than wait
        time.sleep(0.05)
        stamp, failure = index.stored()
    found = index.load(stamp)
    if found is not None and failure is not None and failure.at < found.started_at:
        failure = None
    age = None if found is None else max(0.0, time.time() - found.started_at)
    return Reading(found, failure, age)
