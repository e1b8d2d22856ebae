"""The simulator's commands, run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from dashboard.core.processes import free_port

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
