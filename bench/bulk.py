"""`python -m bench.bulk`: a bulk reassign of 500 conversations at 50 ms upstream, as
production runs it: a simulator process (latency added to every request) and a real
`manage.py db_worker` process with production settings on a fresh SQLite file.

Prints the wall time from the job's creation to its end (target: at most 10 s) and the
reassigns Flownally carried out, from the simulator's request log (target: exactly 500;
replays are not counted). BULK_CONCURRENCY (from the environment, or `--concurrency`) is
how many calls run at once. Exits non-zero only when it could not run.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import requests

from bench.processes import BenchError, dashboard_env, manage, start, start_simulator

TARGET_SECONDS = 10.0
REASSIGN = "POST /conversations/{id}/reassign"
# Run in the dashboard's environment: the job, as the confirm form would make it.
_MAKE_JOB = """
from django.contrib.auth.models import AnonymousUser
from dashboard.bulk import jobs, plan
from dashboard.flownally import client
target = next(u.id for u in client.iter_users() if u.active)
found = [c for c in client.iter_conversations(status=["open", "pending"], page_size=100)
         if c.assignee_id != target][:{count}]
made = plan.make(plan.REASSIGN, found, assignee=target)
print(jobs.start(AnonymousUser(), made, "bench").pk, len(made.steps))
"""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bulk", description="Time a bulk reassign job end to end."
    )
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=120)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        result = measure(args.count, args.latency_ms, args.concurrency, args.timeout)
    except BenchError as error:
        print(f"bench.bulk could not run: {error}", file=sys.stderr)
        return 1
    seconds, reassigns, requested = result["seconds"], result["reassigns"], result["requests"]
    print(
        f"bulk reassign of {result['items']} conversations at {args.latency_ms} ms upstream "
        f"(BULK_CONCURRENCY {result['concurrency']}):"
    )
    verdict = "met" if seconds <= TARGET_SECONDS else "MISSED"
    print(f"  wall time to done   {seconds:7.2f} s   (target <= {TARGET_SECONDS:.0f} s: {verdict})")
    verdict = "met" if reassigns == args.count else "MISSED"
    print(f"  upstream reassigns  {reassigns:7d}     (target exactly {args.count}: {verdict})")
    print(f"  reassign requests   {requested:7d}     (replays and retries included)")
    return 0


def measure(count: int, latency_ms: int, concurrency: int | None, timeout: float) -> dict:
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-bulk-")))
        # Enough generated conversations for `count` open ones (about 45% are).
        _, root = start_simulator(
            stack, workdir, conversations=max(200, count * 3), latency_ms=latency_ms, seed=7
        )
        # Production settings (DEBUG off), as the worker runs in production.
        env = dashboard_env(workdir, root, "locmemcache://flownally-bench") | {
            "LOG_LEVEL": "WARNING"
        }
        db = workdir / "bench.sqlite3"
        if concurrency is not None:
            env["BULK_CONCURRENCY"] = str(concurrency)
        manage(["migrate", "--noinput"], env)
        worker = start(
            stack,
            "worker",
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1",
             "--no-startup-delay"],
            env,
            workdir,
        )  # fmt: skip
        time.sleep(1)  # the worker is up and polling before the job exists
        requests.delete(f"{root}/_sim/requests", timeout=10)
        job_id, items = map(
            int, manage(["shell", "-c", _MAKE_JOB.format(count=count)], env).split()[-2:]
        )
        seconds = _until_done(db, job_id, timeout, worker.log)
        log = requests.get(f"{root}/_sim/requests", params={"route": REASSIGN}, timeout=30)
        entries = log.json()["requests"]
        used = manage(
            ["shell", "-c", "from django.conf import settings; print(settings.BULK_CONCURRENCY)"],
            env,
        )
    return {
        "items": items,
        "seconds": seconds,
        "reassigns": sum(1 for e in entries if e["status"] == 204 and not e["replayed"]),
        "requests": len(entries),
        "concurrency": int(used.split()[-1]),
    }


def _until_done(db: Path, job_id: int, timeout: float, log: Path) -> float:
    """Seconds from the job's creation to its end, as the job's row records them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(db, timeout=10) as conn:
            row = conn.execute(
                "SELECT state, created_at, finished_at FROM bulk_job WHERE id = ?", (job_id,)
            ).fetchone()
        if row and row[0] not in ("queued", "running", "paused"):
            started, ended = (datetime.fromisoformat(value) for value in row[1:])
            return (ended - started).total_seconds()
        time.sleep(0.05)
    raise BenchError(f"job {job_id} did not end within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


if __name__ == "__main__":
    sys.exit(main())
