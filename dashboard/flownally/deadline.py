"""The time a request has left to answer, for every Flownally call made on its behalf.

Set by the page-budget middleware (dashboard/core/budget.py) and carried into fan-out
threads with the context. Without one (the open-queue walk thread, bulk jobs) calls keep
their full timeouts and retries. It also says whose the calls are, for the request budget
(request_budget.py): a person's page or action, or a poll.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from dashboard.flownally.errors import OutOfTime


@dataclass(frozen=True)
class Deadline:
    at: float  # time.monotonic()
    budget: float  # seconds it was set for, to say so in messages
    poll: bool = False  # a page's periodic refresh, not something a person just did

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def exceeded(self) -> OutOfTime:
        return OutOfTime(f"Flownally did not answer within {self.budget:g} s")


_current: ContextVar[Deadline | None] = ContextVar("flownally_deadline", default=None)


def current() -> Deadline | None:
    return _current.get()


@contextmanager
def within(seconds: float, *, poll: bool = False) -> Iterator[Deadline]:
    """Every Flownally call in this block (and in fan-outs from it) ends within `seconds`."""
    deadline = Deadline(time.monotonic() + seconds, seconds, poll)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
