"""Local servers started as child processes: a free port to give them, and waiting until
they answer. Used by the demo (its simulator), the benchmarks and the tests that start
real processes."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import requests


class StartupError(Exception):
    """A child process exited, or did not answer, while it was starting."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the OS picks it; a tiny race is accepted)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_until_up(
    popen: subprocess.Popen,
    url: str,
    *,
    name: str,
    timeout: float = 60,
    log: Path | None = None,
) -> float:
    """Wait until `url` answers with any status below 500; return the seconds it took.
    Raises StartupError, with the end of `log` when given, if the process exits first or
    nothing answers within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if popen.poll() is not None:
            raise StartupError(
                f"{name} exited with code {popen.returncode} while starting"
                f" (is its port free?){_tail(log)}"
            )
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise StartupError(f"{name} did not answer {url} within {timeout:.0f} s{_tail(log)}")


def _tail(log: Path | None, chars: int = 3000) -> str:
    if log is None:
        return ""
    try:
        return ":\n" + log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""
