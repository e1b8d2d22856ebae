"""`Upstream`: the API requests the simulator served during one test, from its request log,
counted as they start and finish. The caching, single-flight, fan-out and logging tests
count requests with it (the `upstream` fixture); the `sim` fixture uses it to wait, after
each test, for requests a fault still holds."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

    from tests.support.simulator import SimHandle

SETTLE_GUARD_S = 30  # only so that a request that never ends fails the test, not the run
DRAIN_LIMIT_S = 10  # after a test: the longest hold a test's fault puts on a request, and more


class Upstream:
    """The API requests the simulator served since this was made, read from its request log
    (GET /_sim/requests).

    The simulator logs a request just before its answer leaves; `requests()` still waits,
    on a condition the simulator's log signals (not on a timer), until every request that
    started since is logged, so that requests another thread of the test is still making
    are counted too. Requests left over from earlier tests, held by a fault say, are not
    counted."""

    def __init__(self, sim: SimHandle, monkeypatch: pytest.MonkeyPatch) -> None:
        self._sim = sim
        self._changed = threading.Condition()
        self._started: list[dict] = []
        # id() of the entries started since that are not logged yet. Only those: a request
        # that started before this was made is not waited for. (An entry stays alive while
        # its request runs, so its id cannot be reused meanwhile.)
        self._running: set[int] = set()
        log = sim.simulator.log
        start, finish = log.start, log.finish

        def tracked_start(*args, **kwargs) -> dict:
            entry = start(*args, **kwargs)
            with self._changed:
                self._started.append(entry)
                self._running.add(id(entry))
                self._changed.notify_all()
            return entry

        def tracked_finish(entry: dict) -> None:
            finish(entry)
            with self._changed:
                if id(entry) in self._running:  # finish is idempotent; count an entry once
                    self._running.discard(id(entry))
                    self._changed.notify_all()

        monkeypatch.setattr(log, "start", tracked_start)
        monkeypatch.setattr(log, "finish", tracked_finish)

    def settle(self, timeout: float = SETTLE_GUARD_S) -> bool:
        """Wait until every request started since is logged; False if some still run after
        `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._running, timeout)

    def _settle(self) -> None:
        """Wait until every request started since is logged, or fail the test."""
        assert self.settle(), "requests to the simulator are still running"

    def forget(self) -> None:
        """Count only requests that start from now on (e.g. after a test's own set-up
        requests to the simulator)."""
        with self._changed:
            self._settle()
            self._started.clear()

    def wait_for_start(self, path: str) -> None:
        """Block until a request for `path` (e.g. "/v1/conversations/cnv_…") has started."""
        with self._changed:
            started = self._changed.wait_for(
                lambda: any(entry["path"] == path for entry in self._started), SETTLE_GUARD_S
            )
        assert started, f"no request for {path} started"

    def requests(self, route: str | None = None) -> list[dict]:
        """Logged requests (optionally of one route label, e.g. "GET /conversations/{id}"),
        oldest first. Requests stopped by a fault carry no route label: filter by path."""
        with self._changed:
            self._settle()
            mine = {entry["seq"] for entry in self._started}
        return [entry for entry in self._sim.request_log(route) if entry["seq"] in mine]

    def to_path(self, path: str) -> list[dict]:
        """Logged requests for one concrete path, e.g. "/v1/conversations/cnv_…"."""
        return [entry for entry in self.requests() if entry["path"] == path]

    def count(self, route: str | None = None) -> int:
        return len(self.requests(route))
