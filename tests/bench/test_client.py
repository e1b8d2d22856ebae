"""`python -m bench.client` runs and reports what the Flownally client costs and saves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import DEVELOPMENT_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # a process of its own: the module sets Django up itself
def test_the_client_benchmark_runs_and_reports_its_numbers():
    # Without the development settings in the environment (the module sets its own), and
    # without what the test process set for itself (the browser tests' async flag).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DEVELOPMENT_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    finished = subprocess.run(
        [sys.executable, "-m", "bench.client", "--count", "5", "--latency-ms", "20"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert re.search(
        r"^50 concurrent identical reads, upstream requests\s+1$", finished.stdout, re.M
    ), finished.stdout
    assert re.search(
        r"^four calls fanned out\s+[\d.]+ ms \([\d.]+ round trips\)$", finished.stdout, re.M
    )
    assert " INFO " not in finished.stderr  # warnings only: the client's call log stays out
