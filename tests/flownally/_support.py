"""Support for the caching and concurrency tests (not collected: no `test_` prefix).

`Upstream`: the API requests the simulator served during one test, from its request log.

Run as a module, a second dashboard process for test_single_flight:

    python -m tests.flownally._support <conversation id> <threads>

starts `threads` threads that each call `client.conversation_get(<id>)`, prints "ready",
and lets them all go at once when a line arrives on stdin. Prints the IDs the threads got
(or their errors) as one JSON list, then exits.
"""

from __future__ import annotations

import json
import sys
import threading

SETTLE_GUARD_S = 30  # only so that a request that never ends fails the test, not the run


class Upstream:
    """The API requests the simulator served since this was made, read from its request log
    (GET /_sim/requests).

    The simulator logs a request just before its answer leaves; `requests()` still waits,
    on a condition the simulator's log signals (not on a timer), until every request that
    started since is logged, so that requests another thread of the test is still making
    are counted too. Requests left over from earlier tests, held by a fault say, are not
    counted."""

    def __init__(self, sim, monkeypatch) -> None:
        self._sim = sim
        self._changed = threading.Condition()
        self._started: list[dict] = []
        self._in_flight = 0
        log = sim.simulator.log
        start, finish = log.start, log.finish

        def tracked_start(*args, **kwargs) -> dict:
            entry = start(*args, **kwargs)
            with self._changed:
                self._started.append(entry)
                self._in_flight += 1
                self._changed.notify_all()
            return entry

        def tracked_finish(entry: dict) -> None:
            first = entry["endedAt"] is None  # finish is idempotent; count an entry once
            finish(entry)
            with self._changed:
                if first and any(entry is mine for mine in self._started):
                    self._in_flight -= 1
                    self._changed.notify_all()

        monkeypatch.setattr(log, "start", tracked_start)
        monkeypatch.setattr(log, "finish", tracked_finish)

    def _settle(self) -> None:
        """Wait until every request started since is logged (call with the condition held)."""
        settled = self._changed.wait_for(lambda: self._in_flight == 0, SETTLE_GUARD_S)
        assert settled, "requests to the simulator are still running"

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


def _read_in_threads() -> int:
    import django

    django.setup()
    from dashboard.flownally import client

    conversation_id, count = sys.argv[1], int(sys.argv[2])
    start = threading.Barrier(count + 1)
    results: list[str | None] = [None] * count

    def read(index: int) -> None:
        start.wait()
        try:
            results[index] = client.conversation_get(conversation_id).id
        except Exception as error:  # reported to the test, which fails on it
            results[index] = f"error: {error!r}"

    threads = [threading.Thread(target=read, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    print("ready", flush=True)
    sys.stdin.readline()
    start.wait()
    for thread in threads:
        thread.join()
    print(json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_read_in_threads())
