"""A redis-server of the test's own on a free port (never the shared 6379), to kill and
hang for real: SIGKILL, SIGSTOP, and a restart on the same port."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import redis

from dashboard.core.processes import free_port

REDIS_SERVER = "/usr/bin/redis-server"


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.ConnectionError:
                assert self.process.poll() is None, "redis-server exited while starting"
                assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
                time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: gone at once, its port refusing connections."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def hang(self) -> None:
        """SIGSTOP: the port still accepts connections (the kernel does), nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)

    def keys(self) -> int:
        return redis.Redis(port=self.port, socket_connect_timeout=1).dbsize()


def flushed(url: str) -> None:
    """A database of the machine's shared Redis (CI starts it), emptied for a test that
    starts processes on it; fails the test, saying so, when Redis does not answer."""
    import pytest

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        pytest.fail(f"this test needs Redis at {url} (make test's CI starts it): {error}")
