"""`python -m bench.index`: what one walk of the open-queue index costs, by tenant size.

For tenants with about 1,000, 10,000 and 100,000 open conversations, on a simulator in this
process with added latency: the upstream requests one walk takes (list pages, message
pages, directory), how long the first takes and a later one (the directory cached, as for
every walk within its minute), what that costs Flownally per hour at the default interval
(while anyone is looking), and how long reading the index takes once it exists (in
process, without HTTP: `make bench` measures pages).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from bench import setup_django
from dashboard.openqueue import index, reading, refresher, walk
from dashboard.simulator.server import start_in_thread
from dashboard.simulator.simulator import Simulator

OPEN_SHARE = 0.45  # of the simulator's generated conversations, open or pending


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.index",
        description="Measure the open-queue index's upstream requests and walk time at "
        "several tenant sizes.",
    )
    parser.add_argument("--open", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--latency-ms", type=int, default=50)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Django must be set up (`python -m bench.index` does it)."""
    args = _arguments(argv)
    latency = args.latency_ms
    print(
        f"upstream latency {latency} ms per request; one walk, cold cache; per hour: a walk "
        f"every {settings.OPEN_QUEUE_REFRESH_SECONDS} s (the default interval)\n"
    )
    header = (
        f"{'open':>7} {'list pages':>10} {'msg pages':>9} {'directory':>9} {'total':>6} "
        f"{'first':>9} {'steady':>9} {'per hour':>9} {'read p50':>9} {'read p95':>9}"
    )
    print(header)
    for wanted in args.open:
        _row(wanted, latency)
    return 0


def _row(wanted: int, latency: int) -> None:
    simulator = Simulator(
        conversations=math.ceil(wanted / OPEN_SHARE), frozen=True, traffic_per_minute=0
    )
    server, base_url = start_in_thread(simulator)
    cache = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    try:
        with override_settings(
            FLOWNALLY_API_URL=base_url,
            FLOWNALLY_API_TOKEN="sim-token",
            CACHES=cache,
            OPEN_QUEUE_REFRESH_SECONDS=3600,
        ):
            caches["default"].clear()
            index.forget_process_state()
            stats = simulator.backend.stats()["byStatus"]
            simulator.backend.config.latency_ms = latency
            simulator.log.clear()
            started = time.perf_counter()
            index.store(walk.compute())
            compute = time.perf_counter() - started
            log = simulator.log.entries()
            time.sleep(1.1)  # past the message pages' cache; the directory stays cached
            started = time.perf_counter()
            index.store(walk.compute())
            again = time.perf_counter() - started
            served = []
            for _ in range(200):
                started = time.perf_counter()
                reading.current()
                served.append((time.perf_counter() - started) * 1000)
    finally:
        refresher.stop()  # the reads started it; the next tenant is another simulator
        server.shutdown()
        server.server_close()
    routes = [e.get("route") or "" for e in log]
    pages = routes.count("GET /conversations")
    messages = routes.count("GET /conversations/{id}/messages")
    directory = routes.count("GET /users") + routes.count("GET /inboxes")
    served.sort()
    # Every walk after the first within a minute: the directory (60 s) is cached. A walk
    # longer than the interval is followed by the next at once (walks never overlap).
    walks = 3600 / max(settings.OPEN_QUEUE_REFRESH_SECONDS, again)
    per_hour = walks * (len(log) - directory) + 60 * directory
    print(
        f"{stats['open'] + stats['pending']:>7} {pages:>10} {messages:>9} {directory:>9} "
        f"{len(log):>6} {compute * 1000:>7.0f}ms {again * 1000:>7.0f}ms {per_hour:>9,.0f} "
        f"{statistics.median(served):>7.2f}ms {served[int(len(served) * 0.95)]:>7.2f}ms"
    )


if __name__ == "__main__":
    setup_django()
    sys.exit(main())
