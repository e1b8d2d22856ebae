"""`python -m bench.sim`: how fast the simulator starts and lists.

Starts `flownally_sim` as its own process with a large tenant, times it until it answers,
then times list requests over keep-alive HTTP from this process. Prints a table (and JSON
with --json PATH); exits non-zero only when it could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests

from bench import use_development_env
from bench.processes import BenchError, start
from dashboard.core.processes import free_port

TOKEN = "bench-token"


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sim",
        description="Measure the simulator's start-up time and list latency on a large tenant.",
    )
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per scenario")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        results = run(args.conversations, args.requests)
    except BenchError as error:
        print(f"The simulator benchmark could not run: {error}", file=sys.stderr)
        return 1
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def run(conversations: int, count: int) -> dict:
    """Start a simulator with `conversations`, time it until it answers and `count` list
    requests per scenario; it is stopped (its whole process group) however this ends."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-sim-")))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "manage.py",
            "flownally_sim",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--conversations",
            str(conversations),
            "--traffic",
            "0",
        ]
        started = time.perf_counter()
        process = start(stack, "simulator", command, dict(os.environ), workdir)
        process.wait_for(f"{base}/_sim/health", timeout=120)
        startup_s = time.perf_counter() - started
        return {
            "conversations": conversations,
            "startupSeconds": round(startup_s, 3),
            "scenarios": _measure(base, count),
        }


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
    scenarios: dict[str, dict[str, Any]] = {
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
            start_at = time.perf_counter()
            response = session.get(f"{api}/conversations", params=params, timeout=10)
            timings.append((time.perf_counter() - start_at) * 1000)
            if response.status_code != 200:
                raise BenchError(f"{name}: HTTP {response.status_code} {response.text[:200]}")
        results[name] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(_percentile(timings, 0.95), 2),
            "max_ms": round(max(timings), 2),
            "requests_per_s": round(count / (sum(timings) / 1000), 1),
        }
    return results


def _print(results: dict) -> None:
    print(
        f"simulator with {results['conversations']:,} conversations: ready in {results['startupSeconds']:.2f} s"
    )
    print(f"{'scenario':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>8}")
    for name, row in results["scenarios"].items():
        print(
            f"{name:42} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {row['max_ms']:8.2f} {row['requests_per_s']:8.1f}"
        )


if __name__ == "__main__":
    # Settings for the simulator this starts (a management command); this process does
    # not use Django itself.
    use_development_env()
    sys.exit(main())
