"""The change feed across processes sharing Redis: exactly one of them reads the feed, and
when it dies the other takes over."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.child_env import django_env
from tests.support.redis_server import flushed
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/8"
pytestmark = pytest.mark.slow


class FeedProcess:
    """A dashboard process (tests/support/feed_process.py) with someone watching."""

    def __init__(self, sim) -> None:
        env = django_env(sim, CACHE_URL=REDIS_URL, NEWS_FEED_SECONDS="0.5")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.feed_process"],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout.readline().strip() == "ready"

    def reads(self) -> int:
        self.process.stdin.write("?\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def _feed_reads(sim) -> int:
    return sum("lastMessageAt" in e["query"] for e in sim.request_log("GET /conversations"))


def test_one_process_reads_the_feed_and_another_takes_over_when_it_dies(sim):
    flushed(REDIS_URL)
    first, second = FeedProcess(sim), FeedProcess(sim)
    try:
        until(lambda: _feed_reads(sim) >= 6, what="the feed was not read")
        counts = {first: first.reads(), second: second.reads()}
        leader = max(counts, key=counts.__getitem__)
        other = second if leader is first else first
        assert counts[other] == 0 and counts[leader] > 0  # the count lags the log a little
        leader.kill()
        until(lambda: other.reads() >= 3, what="nobody took over the feed")
    finally:
        first.kill()
        second.kill()
