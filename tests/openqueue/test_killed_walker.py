"""Two dashboard instances under gunicorn sharing Redis, as behind a load balancer: the one
walking the open queue is killed mid-walk (SIGKILL: the whole instance at once; SIGTERM:
gunicorn's polite stop), and the other brings a fresh index within one interval plus one
walk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache

from bench.processes import worker_pids
from dashboard.core.processes import free_port, wait_until_up
from dashboard.openqueue import index, refresher
from tests.support.child_env import django_env
from tests.support.redis_server import flushed
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"
INTERVAL = 4  # seconds: a lease of 2 s
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def shared():
    """Redis as the instances see it (db 14, emptied), read through Django's own backend."""
    flushed(REDIS_URL)
    return RedisCache(REDIS_URL, {})


def _env(tmp_path: Path, sim) -> dict[str, str]:
    return django_env(
        sim,
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        CACHE_URL=REDIS_URL,
        OPEN_QUEUE_REFRESH_SECONDS=str(INTERVAL),
    )


def _kiosk(env: dict[str, str]) -> str:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from dashboard.wallboard.models import KioskLink; print(KioskLink.create('TV', None)[1])"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return made.stdout.strip().splitlines()[-1]


def _instance(env: dict[str, str], tmp_path: Path, name: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dashboard.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "4", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, f"{base}/healthz", name=name, log=log)
    return process, base


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_walker_is_replaced_within_one_interval_and_one_walk(tmp_path, sim, shared, stop):
    import requests

    sim.reset(latencyMs=700)  # a walk of about 2 s: long enough to be killed in
    env = _env(tmp_path, sim)
    token = _kiosk(env)
    instances = [_instance(env, tmp_path, name) for name in ("a", "b")]
    try:
        for _, base in instances:  # each serves the board once: its refresher runs
            requests.get(f"{base}/wallboard/k/{token}/refresh/", timeout=60).raise_for_status()
        first = shared.get(index.STAMP_KEY)
        assert first is not None
        # Catch the next walk in progress, and the instance doing it.
        holder = until(lambda: shared.get(refresher.LEASE_KEY), INTERVAL + 5, "no walk began")
        walker_pid = int(holder.split(":")[0])
        (victim,) = [p for p, _ in instances if walker_pid in set(worker_pids(p.pid))]
        time.sleep(0.5)  # well inside the walk
        assert shared.get(index.STAMP_KEY) == first  # it has not landed
        killed_at = time.time()
        if stop == signal.SIGKILL:
            os.killpg(victim.pid, signal.SIGKILL)  # the whole instance, at once
        else:
            victim.send_signal(signal.SIGTERM)  # gunicorn's polite stop
        victim.wait(timeout=15)

        fresh = until(
            lambda: (s := shared.get(index.STAMP_KEY)) and s > killed_at and s,
            3 * INTERVAL + 10,
            "no fresh index after the walker was killed",
        )
        arrived = time.time()
        walked = shared.get(index.INDEX_KEY)
        assert walked.started_at == fresh
        # Within one interval plus one walk of the kill (and a tick of the refresher).
        assert arrived - killed_at <= INTERVAL + walked.walk_seconds + refresher.TICK + 0.5, (
            arrived - killed_at,
            walked.walk_seconds,
        )
        survivor = next(p for p, _ in instances if p is not victim)
        assert int(shared.get(refresher.LEASE_KEY, "0:").split(":")[0] or 0) in (
            set(worker_pids(survivor.pid)) | {0}
        )
    finally:
        for process, _ in instances:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)
