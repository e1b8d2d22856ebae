"""The benchmark's processes: gunicorn as the Dockerfile runs it, the cache it can have, and
what /proc says about a process."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack

import pytest

from bench import processes
from dashboard.core.processes import free_port


def test_gunicorn_runs_with_the_dockerfiles_workers_and_threads_on_our_own_address():
    args = processes.gunicorn_args()
    assert args[0] == "dashboard.wsgi"
    assert args[args.index("--workers") + 1] == "2"
    assert args[args.index("--threads") + 1] == "8"
    assert args[args.index("--keep-alive") + 1] == "5"
    assert "--bind" not in args


def test_without_a_readable_dockerfile_it_uses_the_same_layout(tmp_path):
    args = processes.gunicorn_args(tmp_path / "missing")
    assert args == ["dashboard.wsgi", "--workers", "2", "--threads", "8", "--keep-alive", "5"]


def test_without_redis_it_falls_back_to_local_memory_and_says_so():
    url, text = processes.choose_cache("redis://127.0.0.1:9/0")
    assert url.startswith("locmemcache://")
    assert "LOCAL MEMORY" in text


def test_the_dashboard_runs_in_production_mode_against_the_simulator(tmp_path):
    env = processes.dashboard_env(tmp_path, "http://127.0.0.1:9999", "locmemcache://x")
    assert env["DEBUG"] == "false"
    assert env["FLOWNALLY_API_URL"] == "http://127.0.0.1:9999/v1"
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in env


def test_it_reads_cpu_time_and_finds_children():
    assert processes.cpu_seconds([os.getpid()]) > 0
    assert os.getpid() in processes.worker_pids(os.getppid())


@pytest.mark.slow  # starts a process
def test_a_server_that_exits_while_starting_stops_the_run_with_its_log(tmp_path):
    command = [sys.executable, "-c", "print('port in use'); raise SystemExit(3)"]
    with ExitStack() as stack:
        process = processes.start(stack, "server", command, dict(os.environ), tmp_path)
        with pytest.raises(processes.BenchError, match=r"(?s)exited with code 3.*port in use"):
            process.wait_for(f"http://127.0.0.1:{free_port()}/", timeout=30)
