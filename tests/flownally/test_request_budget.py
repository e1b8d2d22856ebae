"""The Flownally request budget (FLOWNALLY_MAX_RPS), seen at the simulator: however hard
threads and processes read past the cache, Flownally never gets more requests in one
wall-clock second than the budget; a person's page gets through while background work
uses its share; and over budget a poll shows the stale copy, with the circuit closed."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboard.accounts.roles import VIEWER
from dashboard.flownally import circuit, client, deadline
from dashboard.flownally.errors import RateLimited
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.child_env import django_env
from tests.support.redis_server import flushed

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/9"
CID = REFERENCE_CONVERSATION_ID
BUDGET = 10
HAMMER_S = 3.0
STALE = "Flownally is not answering; showing the timeline as of"


def per_second(sim) -> Counter:
    """API requests the simulator started in each wall-clock second."""
    return Counter(math.floor(entry["startedAt"]) for entry in sim.request_log())


def hammer(until: float, *, person: bool) -> None:
    """Read the conversation past the cache until `until`: as a person's page (under a
    deadline) or as background work (none)."""
    while time.monotonic() < until:
        try:
            if person:
                with deadline.within(3):
                    client.conversation_get(CID, cached=False)
            else:
                client.conversation_list(cached=False)
        except RateLimited:
            pass


def in_threads(count: int, **kind) -> list[threading.Thread]:
    until = time.monotonic() + HAMMER_S
    threads = [threading.Thread(target=hammer, args=(until,), kwargs=kind) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


@pytest.fixture
def budget(settings):
    settings.FLOWNALLY_MAX_RPS = BUDGET


@pytest.mark.slow  # hammers for three seconds
def test_threads_of_one_process_never_exceed_the_budget(flownally, budget):
    for thread in in_threads(4, person=True) + in_threads(4, person=False):
        thread.join()

    seconds = per_second(flownally)
    print(f"busiest second: {max(seconds.values())} requests (budget {BUDGET})")
    assert sum(seconds.values()) > 2 * BUDGET  # they asked for far more than a second's
    assert max(seconds.values()) <= BUDGET, sorted(seconds.items())


@pytest.fixture
def shared_redis():
    flushed(REDIS_URL)
    yield
    flushed(REDIS_URL)


def hammering_process(sim) -> subprocess.Popen:
    env = django_env(
        sim,
        CACHE_URL=REDIS_URL,
        FLOWNALLY_MAX_RPS=str(BUDGET),
        # A slow answer from Redis on a busy machine is not an outage here (that would
        # make each process count alone, as it should when Redis is down).
        CACHE_CONNECT_TIMEOUT="5",
        CACHE_SOCKET_TIMEOUT="5",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.budget_process", CID, "6", str(HAMMER_S)],
        cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


@pytest.mark.slow  # two dashboard processes hammer for three seconds
def test_two_processes_together_never_exceed_the_budget(sim, shared_redis):
    processes = [hammering_process(sim) for _ in range(2)]
    try:
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()

    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    answered = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert all(answered), answered  # both processes got their share through
    seconds = per_second(sim)
    print(f"busiest second: {max(seconds.values())} requests (budget {BUDGET}); {answered}")
    assert sum(seconds.values()) > 2 * BUDGET
    assert max(seconds.values()) <= BUDGET, (sorted(seconds.items()), outputs)


@pytest.mark.slow  # background work hammers for three seconds
def test_a_persons_page_gets_through_while_background_work_uses_its_share(
    flownally, budget, client, make_user
):
    client.force_login(make_user(VIEWER))
    background = in_threads(8, person=False)
    time.sleep(1)  # the background is at its share by now
    before = len(flownally.request_log())
    page = client.get(reverse("conversation", args=[CID]))
    after = flownally.request_log()[before:]
    for thread in background:
        thread.join()

    assert page.status_code == 200
    assert "Flownally is not answering" not in page.text
    assert any(entry["path"] == f"/v1/conversations/{CID}" for entry in after)
    # However hard it pushes, the background never takes more than its half of a second:
    # the rest stays free for people.
    walks = Counter(
        math.floor(entry["startedAt"])
        for entry in flownally.request_log()
        if entry["path"] == "/v1/conversations"
    )
    assert max(walks.values()) > 1  # it did push
    assert max(walks.values()) <= math.floor(BUDGET * 0.5)


def test_over_budget_a_poll_shows_the_stale_timeline_and_the_circuit_stays_closed(
    flownally, budget, settings, client, make_user
):
    client.force_login(make_user(VIEWER))
    timeline = reverse("conversation_timeline", args=[CID])
    poll = {"HX-Request": "true", "HX-Trigger": "timeline"}
    first = client.get(timeline, headers=poll)
    assert first.status_code == 200, first
    assert STALE not in first.text
    # Other processes spend this second's budget and the next ones'.
    now = math.floor(time.time())
    for second in range(now, now + 10):
        cache.set(f"flownally:budget:{second}", 1000, timeout=15)
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 0.01  # every read would go upstream
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0.01
    time.sleep(0.05)
    before = len(flownally.request_log())

    for _ in range(circuit_failures := settings.FLOWNALLY_CIRCUIT_FAILURES + 1):
        answer = client.get(timeline, headers=poll)
        assert answer.status_code == 200
        assert STALE in answer.text

    assert circuit_failures and circuit.state().name == "closed"
    assert flownally.request_log()[before:] == []  # nothing was sent, no 429 piled up
