"""Production start-up, in real processes: settings checks, collectstatic, gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from dashboard.core.processes import free_port, wait_until_up

# Every test here starts real processes (manage.py, collectstatic, gunicorn): left out of
# `make test-fast`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "test-only-production-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1",
    "FLOWNALLY_API_URL": "http://127.0.0.1:9/v1",
    "FLOWNALLY_API_TOKEN": "test-token",
    "SECURE_COOKIES": "false",
}


def _env(**overrides: str) -> dict[str, str]:
    # Nothing the test process set for itself (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE)
    # belongs in a production process.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(overrides)
    return env


def _django(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_refuses_to_start_naming_every_missing_production_setting():
    finished = _django(["check"], _env(DEBUG="false"))
    assert finished.returncode != 0
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "FLOWNALLY_API_URL", "FLOWNALLY_API_TOKEN"):
        assert name in finished.stderr
    assert "Traceback" in finished.stderr or "ImproperlyConfigured" in finished.stderr


def test_it_names_only_what_is_missing():
    finished = _django(["check"], _env(**{**PRODUCTION, "FLOWNALLY_API_TOKEN": ""}))
    assert finished.returncode != 0
    assert "FLOWNALLY_API_TOKEN" in finished.stderr
    assert "SECRET_KEY," not in finished.stderr


def test_it_refuses_an_api_url_that_is_not_http():
    finished = _django(
        ["check"], _env(**{**PRODUCTION, "FLOWNALLY_API_URL": "ftp://example.com/v1"})
    )
    assert finished.returncode != 0
    assert "FLOWNALLY_API_URL must be an http(s) URL" in finished.stderr


def test_the_production_settings_pass_djangos_deployment_checks_that_apply():
    finished = _django(["check", "--deploy", "--fail-level", "ERROR"], _env(**PRODUCTION))
    assert finished.returncode == 0, finished.stderr


@dataclass(frozen=True)
class Gunicorn:
    base: str
    liveness: str
    log: Path

    def __str__(self) -> str:
        return self.base


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """One gunicorn (1 worker, 2 threads) with the repository's gunicorn.conf.py, the way the
    image runs it: its access log to `log`, liveness on a port of its own."""
    port, health_port = free_port(), free_port()
    env = _env(**PRODUCTION, HEALTH_PORT=str(health_port), HEALTH_HOST="127.0.0.1")
    collected = _django(["collectstatic", "--noinput"], env)
    assert collected.returncode == 0, collected.stderr
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with log.open("w") as out:  # closed here; the process keeps its own copy
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "dashboard.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "2",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, f"{base}/healthz", name="gunicorn", log=log)
        yield Gunicorn(base, f"http://127.0.0.1:{health_port}", log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_gunicorn_serves_the_health_check(gunicorn):
    response = requests.get(f"{gunicorn.base}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_gunicorn_serves_hashed_static_files_with_long_caching(gunicorn):
    login = requests.get(f"{gunicorn.base}/accounts/login/", timeout=5)
    assert login.status_code == 200
    htmx = next(part.split('"')[0] for part in login.text.split('src="')[1:] if "htmx" in part)
    assert not htmx.startswith("http"), "htmx must come from our own static files, not a CDN"
    script = requests.get(f"{gunicorn.base}{htmx}", timeout=5)
    assert script.status_code == 200
    assert "htmx" in script.text[:2000]
    assert "max-age=315360000" in script.headers["Cache-Control"]


def test_every_page_sends_a_content_security_policy(gunicorn):
    response = requests.get(f"{gunicorn.base}/accounts/login/", timeout=5)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_need_sign_in(gunicorn):
    response = requests.get(f"{gunicorn.base}/", timeout=5, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_liveness_answers_at_once_while_every_request_thread_is_taken(gunicorn):
    """Two clients that send half a request hold both of the worker's threads (as requests
    waiting on a hung upstream would): /healthz on the serving port waits behind them, the
    master's liveness port does not."""
    host, port = gunicorn.base.removeprefix("http://").split(":")
    held = []
    try:
        for _ in range(2):
            conn = socket.create_connection((host, int(port)))
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never end
            held.append(conn)
        time.sleep(0.3)  # both taken by a thread reading the rest of the headers
        with pytest.raises(requests.Timeout):
            requests.get(f"{gunicorn.base}/healthz", timeout=1)
        started = time.perf_counter()
        live = requests.get(f"{gunicorn.liveness}/healthz", timeout=1)
        elapsed = time.perf_counter() - started
    finally:
        for conn in held:
            conn.close()
    assert live.status_code == 200
    assert live.json() == {"status": "ok", "workers": 1}
    assert elapsed < 0.1, f"liveness took {elapsed * 1000:.0f} ms"


def test_readiness_reports_the_database_and_the_cache(gunicorn):
    response = requests.get(f"{gunicorn.base}/readyz", timeout=5)
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["database"]["status"] == "ok"


def test_kiosk_tokens_never_reach_the_logs(gunicorn):
    """A kiosk URL is a password: not in the access log's request line, nor as the Referer
    of its refreshes, nor in Django's own "Not Found" warning."""
    token = "KioskTokenThatMustNotBeLogged_0123456789"
    kiosk = f"{gunicorn.base}/wallboard/k/{token}/"
    requests.get(kiosk, timeout=5)
    requests.get(f"{kiosk}refresh/", headers={"Referer": kiosk, "HX-Current-URL": kiosk}, timeout=5)
    deadline = time.monotonic() + 5
    while "/wallboard/k/[token]/refresh/" not in gunicorn.log.read_text():
        assert time.monotonic() < deadline, gunicorn.log.read_text()[-2000:]
        time.sleep(0.05)
    text = gunicorn.log.read_text()
    assert token not in text
    assert text.count("/wallboard/k/[token]/") >= 2
