"""`python manage.py wallboard_bench`: what one wallboard refresh costs upstream, by tenant size.

For tenants with about 100, 1,000 and 10,000 open conversations, on a simulator in this
process with added latency: the upstream requests one snapshot takes (list pages, message
pages, directory), how long the first one takes and a later one (the directory cached, as
for every refresh within its minute), and how long serving the shared snapshot takes once
it exists (in process, without HTTP: `make bench` measures that).
"""

from __future__ import annotations

import math
import statistics
import time

from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandParser
from django.test import override_settings

from dashboard.simulator.server import start_in_thread
from dashboard.simulator.simulator import Simulator
from dashboard.wallboard import snapshot

OPEN_SHARE = 0.45  # of the simulator's generated conversations, open or pending


class Command(BaseCommand):
    help = "Measure the wallboard's upstream requests and refresh time at several tenant sizes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--open", type=int, nargs="+", default=[100, 1000, 10000])
        parser.add_argument("--latency-ms", type=int, default=50)

    def handle(self, *args: object, **options: object) -> None:
        latency = options["latency_ms"]
        self.stdout.write(f"upstream latency {latency} ms per request; one refresh, cold cache\n")
        header = (
            f"{'open':>7} {'list pages':>10} {'msg pages':>9} {'directory':>9} {'total':>6} "
            f"{'first':>9} {'steady':>9} {'serve p50':>9} {'serve p95':>9}"
        )
        self.stdout.write(header)
        for wanted in options["open"]:
            self._row(wanted, latency)

    def _row(self, wanted: int, latency: int) -> None:
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
                WALLBOARD_REFRESH_SECONDS=3600,
            ):
                caches["default"].clear()
                stats = simulator.backend.stats()["byStatus"]
                simulator.backend.config.latency_ms = latency
                simulator.log.clear()
                started = time.perf_counter()
                snapshot.board()  # the first snapshot: computed in this call
                compute = time.perf_counter() - started
                log = simulator.log.entries()
                time.sleep(1.1)  # past the message pages' cache; the directory stays cached
                started = time.perf_counter()
                snapshot.compute()
                again = time.perf_counter() - started
                served = []
                for _ in range(200):
                    started = time.perf_counter()
                    snapshot.board()
                    served.append((time.perf_counter() - started) * 1000)
        finally:
            server.shutdown()
            server.server_close()
        routes = [e.get("route") or "" for e in log]
        pages = routes.count("GET /conversations")
        messages = routes.count("GET /conversations/{id}/messages")
        directory = routes.count("GET /users") + routes.count("GET /inboxes")
        served.sort()
        self.stdout.write(
            f"{stats['open'] + stats['pending']:>7} {pages:>10} {messages:>9} {directory:>9} "
            f"{len(log):>6} {compute * 1000:>7.0f}ms {again * 1000:>7.0f}ms "
            f"{statistics.median(served):>7.2f}ms {served[int(len(served) * 0.95)]:>7.2f}ms"
        )
