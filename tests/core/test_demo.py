"""`make demo` as a user runs it: on ports of their choosing, with a background worker,
stopped by SIGTERM as well as Ctrl-C, leaving no server or worker behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from dashboard.core.processes import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _in_session(session: int, word: str) -> list[int]:
    """Processes of `session` (make's, and everything it started) whose command has `word`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[3]) == session and word in command:
            found.append(int(entry.name))
    return found


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_make_demo_runs_on_the_chosen_ports_and_stops_both_servers(tmp_path, stop):
    demo_port, sim_port = free_port(), free_port()
    # Neither FLOWNALLY_API_URL nor anything else needs to follow the ports.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    env.pop("FLOWNALLY_API_URL", None)
    make = subprocess.Popen(
        # -o: never reinstall the environment from inside a test; PY: this test's Python.
        ["make", "--no-print-directory", "-o", ".venv/.installed", "demo",
         f"DEMO_PORT={demo_port}", f"SIM_PORT={sim_port}", f"PY={sys.executable}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # a group of its own, as a terminal gives it
    )  # fmt: skip
    try:
        wait_until_up(make, f"http://127.0.0.1:{demo_port}/healthz", name="make demo", timeout=90)
        with requests.Session() as browser:
            base = f"http://127.0.0.1:{demo_port}"
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
            # The list comes from the simulator on SIM_PORT.
            assert signed_in.status_code == 200 and "Support WhatsApp" in signed_in.text
            newest = browser.get(f"{base}/?sort=lastMessageAt:desc", timeout=10)
            assert "Anna Kowalska" in newest.text
        assert _listening(sim_port)
        assert _in_session(make.pid, "db_worker"), "no background worker for bulk actions"
    finally:
        if stop == signal.SIGINT:
            os.killpg(make.pid, stop)  # Ctrl-C: the terminal signals the whole group
        else:
            make.send_signal(stop)  # to make alone, as `kill` or a process manager does
        output, _ = make.communicate(timeout=30)
    assert f"http://127.0.0.1:{demo_port}/" in output
    assert not _listening(demo_port) and not _listening(sim_port), output
    assert not _in_session(make.pid, "db_worker"), output
