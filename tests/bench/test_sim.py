"""`python -m bench.sim` runs a simulator as a real process and reports its numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import DEVELOPMENT_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # starts the simulator
def test_the_simulator_benchmark_runs_and_reports_numbers(tmp_path):
    out = tmp_path / "bench.json"
    # Without the development settings in the environment: the module sets its own.
    env = {k: v for k, v in os.environ.items() if k not in DEVELOPMENT_ENV}
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.sim",
            "--conversations",
            "2000",
            "--requests",
            "5",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "ready in" in finished.stdout
    results = json.loads(out.read_text())
    assert results["conversations"] == 2000
    assert len(results["scenarios"]) == 5
    assert all(row["p50_ms"] > 0 for row in results["scenarios"].values())


@pytest.mark.slow  # starts the simulator
def test_a_simulator_that_cannot_start_is_reported_with_its_log():
    # Production mode without its required settings: the simulator's command exits at once.
    env = {k: v for k, v in os.environ.items() if k not in DEVELOPMENT_ENV} | {"DEBUG": "false"}
    finished = subprocess.run(
        [sys.executable, "-m", "bench.sim", "--conversations", "10", "--requests", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 1
    assert "could not run: simulator exited with code" in finished.stderr
    assert "SECRET_KEY" in finished.stderr  # the end of its log
