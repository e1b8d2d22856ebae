"""Real `db_worker` processes on one SQLite file: the one running a bulk job is killed with
SIGKILL mid-job and another is started; the job still ends done, and Flownally acted on
every conversation exactly once (its request log: replays are not actions)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.bulk import processed
from tests.support.child_env import django_env
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
COUNT = 60
LEASE = 2  # seconds: the new worker takes the job over within about this long
pytestmark = pytest.mark.slow


def _env(tmp_path: Path, sim) -> dict[str, str]:
    return django_env(
        sim,
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        BULK_LEASE_SECONDS=str(LEASE),
        BULK_CONCURRENCY="4",
    )


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1",
             "--no-startup-delay"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _state(db: Path, job_id: int) -> tuple[str, int]:
    with sqlite3.connect(db, timeout=10) as conn:
        state = conn.execute("SELECT state FROM bulk_job WHERE id = ?", (job_id,)).fetchone()[0]
        done = conn.execute(
            "SELECT count(*) FROM bulk_item WHERE job_id = ? AND state != 'pending'", (job_id,)
        ).fetchone()[0]
    return state, done


@pytest.mark.parametrize("kill_after", [5, 30])
def test_a_worker_killed_mid_job_is_replaced_and_each_conversation_is_acted_on_once(
    tmp_path, sim, kill_after
):
    sim.reset(latencyMs=40)  # about 80 ms per conversation: a job of a second or two
    env = _env(tmp_path, sim)
    db = tmp_path / "shared.sqlite3"
    _manage(env, "manage.py", "migrate", "--noinput")
    job_id = int(_manage(env, "-m", "tests.support.make_job", str(COUNT)).split()[-1])
    log = tmp_path / "workers.log"
    first = _worker(env, log)
    try:
        until(
            lambda: sum(processed(sim).values()) >= kill_after,
            60,
            f"the job did not start: {log.read_text()[-3000:]}",
        )
        os.killpg(first.pid, signal.SIGKILL)  # mid-job, requests in flight
        first.wait(timeout=10)
        killed = _state(db, job_id)
        assert killed[0] == "running" and killed[1] < COUNT, killed
        second = _worker(env, log)
        try:
            until(lambda: _state(db, job_id)[0] == "done", 60, log.read_text()[-3000:])
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=15)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    acted = processed(sim)
    assert len(acted) == COUNT and set(acted.values()) == {1}, (acted, log.read_text()[-3000:])
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM bulk_item GROUP BY state"))
        lost = conn.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
        ).fetchone()[0]
    assert states == {"done": COUNT}
    assert lost == 1  # the killed worker's task, marked so when the job was taken over
