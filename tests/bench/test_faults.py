"""`python -m bench.faults` end to end, small: one instance, few requests, the quicker items.

What the numbers are is the probe's business (it prints them beside issue 13's); this checks
that it runs, measures each item it is asked for, and leaves nothing behind: no process, no
database, however it ends."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from bench.fault_rig import POSTGRES

ROOT = Path(__file__).resolve().parents[2]
# It starts PostgreSQL's database, Redis, the simulator and gunicorn: not in make test-fast.
pytestmark = pytest.mark.slow

TINY = [
    "--instances",
    "1",
    "--window",
    "3",
    "--pollers",
    "4",
    "--pollers-503",
    "4",
    "--per-kind",
    "1",
    "--wrong-passwords",
    "3",
    "--conversations",
    "50",
    "--budget",
    "30",
]


def _probe(*args: str, **popen) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.Popen(
        [sys.executable, "-m", "bench.faults", *TINY, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def _started(first_line: str) -> tuple[str, int]:
    found = re.search(r"database (probe_\d+); Redis on port (\d+)", first_line)
    assert found, first_line
    return found[1], int(found[2])


def _left_behind(db_name: str) -> list[str]:
    """Databases and processes of this run still there (processes: by their environment,
    which names the database)."""
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname = %s", (db_name,))
        left = [f"database {row[0]}" for row in rows]
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"/{db_name}".encode() in (entry / "environ").read_bytes():
                left.append(f"process {entry.name}: {(entry / 'cmdline').read_bytes()[:120]!r}")
        except OSError:
            continue
    return left


def _redis_answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_each_item_is_measured_and_nothing_is_left_behind(tmp_path):
    out = tmp_path / "faults.json"
    probe = _probe("--items", "2,4,6,8", "--out", str(out))
    stdout, _ = probe.communicate(timeout=300)
    assert probe.returncode == 0, stdout[-4000:]
    db_name, redis_port = _started(stdout.splitlines()[0])
    results = json.loads(out.read_text())

    items = results["items"]
    assert set(items) == {
        "2_list_after_action",
        "4_passwords",
        "6_redis_killed",
        "6_redis_hung",
        "8_transactions",
    }
    assert items["2_list_after_action"]["first_load_status"] == 200
    assert items["4_passwords"]["wrong"] == 3
    assert items["6_redis_killed"]["before"]["requests"] > 0
    assert items["6_redis_killed"]["down"]["requests"] > 0
    assert items["6_redis_hung"]["pages"]["requests"] > 0
    assert items["8_transactions"]["quiet_per_s"] >= 0
    assert items["8_transactions"]["sign_ins"] >= 1
    for row in ("2 list for viewers", "4 right password", "6 HTTP 500s", "6 Redis hung", "8 DB"):
        assert row in stdout, row

    assert _left_behind(db_name) == []
    assert not _redis_answers(redis_port)


def test_ctrl_c_stops_everything_and_drops_the_database(tmp_path):
    probe = _probe("--items", "6", "--out", str(tmp_path / "faults.json"))
    assert probe.stdout is not None
    first = probe.stdout.readline()
    db_name, redis_port = _started(first)
    for line in probe.stdout:  # interrupted while it measures
        if line.startswith("6."):
            break
    time.sleep(2)
    probe.send_signal(signal.SIGINT)
    rest, _ = probe.communicate(timeout=120)
    assert probe.returncode == 130, rest[-3000:]
    assert _left_behind(db_name) == []
    assert not _redis_answers(redis_port)
