"""The code stays as ruff (lint and format) wants it; `make lint` shows the details."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_no_lint():
    finished = _ruff("check", ".")
    assert finished.returncode == 0, finished.stdout


def test_the_code_is_formatted():
    finished = _ruff("format", "--check", ".")
    assert finished.returncode == 0, finished.stdout
