"""`python manage.py flownally_sim_bench`: how fast the simulator starts and lists.

Starts `flownally_sim` as its own process with a large tenant, times it until it answers,
then times list requests over keep-alive HTTP from this process. Prints a table (and JSON
with --json PATH); exits non-zero only when it could not run.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

TOKEN = "bench-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Command(BaseCommand):
    help = "Measure the simulator's start-up time and list latency on a large tenant."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--conversations", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=300, help="timed requests per scenario")
        parser.add_argument("--json", type=Path, default=None, help="also write the results here")

    def handle(self, *args: object, **options: object) -> None:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "flownally_sim",
                "--port",
                str(port),
                "--token",
                TOKEN,
                "--conversations",
                str(options["conversations"]),
                "--traffic",
                "0",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            startup_s = self._wait_until_up(base, process, started)
            results = {
                "conversations": options["conversations"],
                "startupSeconds": round(startup_s, 3),
            }
            results["scenarios"] = self._measure(base, options["requests"])
        finally:
            process.terminate()
            process.wait(timeout=10)
        self._print(results)
        if options["json"]:
            options["json"].write_text(json.dumps(results, indent=2))

    @staticmethod
    def _wait_until_up(base: str, process: subprocess.Popen, started: float) -> float:
        while time.perf_counter() - started < 120:
            if process.poll() is not None:
                raise CommandError(f"the simulator exited with code {process.returncode}")
            try:
                requests.get(f"{base}/_sim/health", timeout=1)
                return time.perf_counter() - started
            except requests.ConnectionError:
                time.sleep(0.02)
        raise CommandError("the simulator did not answer within 120 s")

    @staticmethod
    def _measure(base: str, count: int) -> dict[str, dict[str, float]]:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        api = f"{base}/v1"
        deep_token = None
        page = session.get(f"{api}/conversations", params={"pageSize": 100}, timeout=10).json()
        for _ in range(200):  # 200 pages in: a token deep into the tenant
            deep_token = page["nextPageToken"] or deep_token
            if not page["nextPageToken"]:
                break
            page = session.get(
                f"{api}/conversations",
                params={"pageSize": 100, "pageToken": deep_token},
                timeout=10,
            ).json()
        scenarios = {
            "list, first page (25)": {},
            "list, 100 per page": {"pageSize": 100},
            "list, status=pending, waitingSince:asc": {
                "status": "pending",
                "sort": "waitingSince:asc",
            },
            "list, interacted=false": {"interacted": "false"},
            "list, page 200 via token": {"pageSize": 100, "pageToken": deep_token},
        }
        results = {}
        for name, params in scenarios.items():
            timings = []
            for _ in range(count):
                start = time.perf_counter()
                response = session.get(f"{api}/conversations", params=params, timeout=10)
                timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{name}: HTTP {response.status_code} {response.text[:200]}")
            results[name] = {
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(_percentile(timings, 0.95), 2),
                "max_ms": round(max(timings), 2),
                "requests_per_s": round(count / (sum(timings) / 1000), 1),
            }
        return results

    def _print(self, results: dict) -> None:
        self.stdout.write(
            f"simulator with {results['conversations']:,} conversations: ready in {results['startupSeconds']:.2f} s"
        )
        self.stdout.write(f"{'scenario':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>8}")
        for name, row in results["scenarios"].items():
            self.stdout.write(
                f"{name:42} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {row['max_ms']:8.2f} {row['requests_per_s']:8.1f}"
            )
