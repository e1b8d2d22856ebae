"""The simulator's commands, run as real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from dashboard.core.processes import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "DEBUG": "true"}

# Each test starts the commands as processes of their own: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def test_flownally_sim_serves_the_api_with_the_options_it_was_given():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "flownally_sim",
            "--port",
            str(port),
            "--token",
            "t0k3n",
            "--seed",
            "11",
            "--conversations",
            "40",
            "--latency-ms",
            "30",
            "--frozen-clock",
            "--start-time",
            "2026-04-30T10:36:00Z",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/v1" in banner and "42 conversations" in banner
        api = f"http://127.0.0.1:{port}/v1"
        assert requests.get(f"{api}/inboxes", timeout=5).status_code == 401
        listed = requests.get(
            f"{api}/conversations", headers={"Authorization": "Bearer t0k3n"}, timeout=5
        )
        assert listed.status_code == 200
        clock = requests.get(f"http://127.0.0.1:{port}/_sim/clock", timeout=5).json()
        assert clock == {"now": "2026-04-30T10:36:00Z", "frozen": True}
        log = requests.get(f"http://127.0.0.1:{port}/_sim/requests", timeout=5).json()["requests"]
        assert log[-1]["durationMs"] >= 30  # the added latency is applied
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_make_demo_serves_the_dashboard_on_the_simulator(tmp_path):
    """`manage.py demo` (what `make demo` runs): both servers up, sign-in works, Ctrl-C stops both."""
    dashboard_port, sim_port = free_port(), free_port()
    env = {
        **ENV,
        "FLOWNALLY_API_URL": f"http://127.0.0.1:{sim_port}/v1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log = tmp_path / "demo.log"
    with log.open("w") as out:  # closed here; the process keeps its own copy
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "demo",
                "--port",
                str(dashboard_port),
                "--sim-port",
                str(sim_port),
                "--conversations",
                "50",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{dashboard_port}"
        wait_until_up(process, f"{base}/healthz", name="manage.py demo", timeout=30, log=log)
        with requests.Session() as browser:
            login = browser.get(f"{base}/accounts/login/", timeout=5)
            signed_in = browser.post(
                f"{base}/accounts/login/",
                data={
                    "username": "supervisor",
                    "password": "demo",
                    "csrfmiddlewaretoken": login.cookies["csrftoken"],
                },
                headers={"Referer": f"{base}/accounts/login/"},
                timeout=10,
            )
            assert signed_in.status_code == 200
            # The supervisor lands on the conversation list, filled from the simulator.
            assert "Anna Kowalska" in signed_in.text and "Support WhatsApp" in signed_in.text
    finally:
        os.killpg(process.pid, 2)  # Ctrl-C
        process.wait(timeout=15)
    for port in (dashboard_port, sim_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after Ctrl-C"
