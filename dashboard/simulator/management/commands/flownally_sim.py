"""`python manage.py flownally_sim`: run the Flownally simulator until interrupted."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dashboard.simulator.clock import parse_iso
from dashboard.simulator.server import serve
from dashboard.simulator.simulator import Simulator


class Command(BaseCommand):
    help = "Run a local Flownally API simulator (base URL http://HOST:PORT/v1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--token", default="sim-token", help="token with every scope")
        parser.add_argument(
            "--read-only-token", default="sim-readonly-token", help="token with read scopes only"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--conversations",
            type=int,
            default=500,
            help="generated conversations besides the reference's",
        )
        parser.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
        parser.add_argument(
            "--traffic", type=float, default=4.0, help="customer messages per minute (0: none)"
        )
        parser.add_argument(
            "--start-time", default=None, help="ISO time the clock starts at (default: now)"
        )
        parser.add_argument(
            "--frozen-clock", action="store_true", help="time moves only through /_sim/clock"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        simulator = Simulator(
            seed=options["seed"],
            conversations=options["conversations"],
            token=options["token"],
            read_only_token=options["read_only_token"],
            latency_ms=options["latency_ms"],
            traffic_per_minute=options["traffic"],
            frozen=options["frozen_clock"],
            start_ms=parse_iso(options["start_time"]) if options["start_time"] else None,
        )
        server = serve(simulator, options["host"], options["port"])
        host, port = server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's address is (str, int)
        self.stdout.write(
            f"Flownally simulator: http://{host}:{port}/v1 "
            f"({len(simulator.backend.conversations)} conversations, seed {options['seed']}, "
            f"ready in {time.perf_counter() - started:.2f}s). Control API: http://{host}:{port}/_sim/",
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
