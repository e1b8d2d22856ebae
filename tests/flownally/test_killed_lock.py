"""A process killed (SIGKILL) while it holds the cross-process lock of a read leaves it to
lapse within a few upstream latencies: another process's read of the same data answers
within seconds, not after the whole retry budget (43 s before)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.child_env import django_env
from tests.support.redis_server import flushed

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/10"
CID = REFERENCE_CONVERSATION_ID
PATH = f"/v1/conversations/{CID}"
pytestmark = pytest.mark.slow  # starts two dashboard processes


@pytest.fixture
def shared_redis():
    flushed(REDIS_URL)
    yield
    flushed(REDIS_URL)


def reader(sim, *budget: str) -> subprocess.Popen:
    """tests/support/reader_process.py: one thread reading the conversation, on Redis."""
    env = django_env(sim, CACHE_URL=REDIS_URL)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.reader_process", CID, "1", *budget],
        cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def test_a_read_lock_of_a_killed_process_blocks_another_process_for_seconds_only(
    sim, upstream, shared_redis
):
    # The first read hangs upstream; the process holding its lock is then killed.
    sim.add_fault(kind="timeout", delayMs=8000, times=1, path=f"^{PATH}$")
    holder = reader(sim, "3")  # a request's read: under a 3 s page budget
    other = reader(sim)  # a background read: no deadline, so it waits for the lock
    try:
        holder.stdin.write("go\n")
        holder.stdin.flush()
        upstream.wait_for_start(PATH)
        holder.send_signal(signal.SIGKILL)
        holder.wait()

        began = time.monotonic()
        other.stdin.write("go\n")
        other.stdin.flush()
        out, err = other.communicate(timeout=60)
        took = time.monotonic() - began
    finally:
        for process in (holder, other):
            if process.poll() is None:
                process.kill()
                process.communicate()

    assert other.returncode == 0, err
    assert out.strip().splitlines()[-1] == f'["{CID}"]'
    assert took < 6, f"the other process waited {took:.1f} s for a dead holder's lock"
    print(f"the other process answered in {took:.2f} s")
