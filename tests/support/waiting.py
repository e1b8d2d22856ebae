"""Waiting in a test for something another thread or process brings about."""

from __future__ import annotations

import time
from collections.abc import Callable


def until[T](condition: Callable[[], T], timeout: float = 10, what: str = "it did not happen") -> T:
    """The first truthy value `condition` returns; fails the test with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.02)
    return found
