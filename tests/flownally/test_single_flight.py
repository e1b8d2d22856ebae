"""Single-flight reads: many callers of the same read at the same moment cost one upstream
request (threads of one process, and processes sharing a Redis cache); different reads are
not merged; a failed fetch leaves nothing behind that blocks the next one.

Requests are counted at the simulator, in its request log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache as django_cache

from dashboard.flownally import cache as flownally_cache
from dashboard.flownally import client
from dashboard.flownally.errors import Unavailable
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

ROOT = Path(__file__).resolve().parents[2]
GET_CONVERSATION = "GET /conversations/{id}"
LIST_CONVERSATIONS = "GET /conversations"
HANG_GUARD_S = 60  # only so that a deadlock fails the test instead of hanging the run


@pytest.fixture(autouse=True)
def _client_on_simulator(flownally, settings):
    # Long enough that no entry expires while the callers of one test are still arriving.
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 60.0
    settings.FLOWNALLY_CACHE_TTL_LIST = 60.0


def at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """`call(i)` in `count` threads released together; each one's result or exception."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = call(index)
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_GUARD_S)
    assert not any(thread.is_alive() for thread in threads), "callers are stuck"
    return results


def conversation_ids(sim, upstream, count: int) -> list[str]:
    """IDs of seeded conversations, read straight from the simulator (and not counted)."""
    found = sim.api("GET", "/conversations", params={"pageSize": count}).json()
    upstream.forget()
    ids = [conversation["id"] for conversation in found["conversations"]]
    assert len(ids) == count
    return ids


def overlap(entries: list[dict]) -> bool:
    return max(e["startedAt"] for e in entries) < min(e["endedAt"] for e in entries)


# --- threads of one process ----------------------------------------------------------------


def test_fifty_threads_reading_one_conversation_at_once_cost_one_request(sim, upstream):
    sim.control("POST", "config", {"latencyMs": 200})

    results = at_once(50, lambda _: client.conversation_get(REFERENCE_CONVERSATION_ID))

    assert upstream.count(GET_CONVERSATION) == 1
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0].id == REFERENCE_CONVERSATION_ID
    assert all(result == results[0] for result in results)


def test_fifty_threads_listing_conversations_at_once_cost_one_request(sim, upstream):
    sim.control("POST", "config", {"latencyMs": 200})

    results = at_once(50, lambda _: client.conversation_list())

    assert upstream.count(LIST_CONVERSATIONS) == 1
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0].items
    assert all(page.items == results[0].items for page in results)
    assert all(page.next_page_token == results[0].next_page_token for page in results)


def test_reads_of_two_different_conversations_are_not_merged_and_run_side_by_side(sim, upstream):
    first, second = conversation_ids(sim, upstream, 2)
    sim.control("POST", "config", {"latencyMs": 200})

    results = at_once(2, lambda i: client.conversation_get((first, second)[i]))

    assert [result.id for result in results] == [first, second]
    log = upstream.requests(GET_CONVERSATION)
    assert sorted(entry["path"] for entry in log) == sorted(
        f"/v1/conversations/{cid}" for cid in (first, second)
    )
    assert overlap(log), "a read of one key waited for a read of another"


def test_threads_reading_different_conversations_cost_one_request_per_conversation(sim, upstream):
    ids = conversation_ids(sim, upstream, 3)
    sim.control("POST", "config", {"latencyMs": 200})

    results = at_once(30, lambda i: client.conversation_get(ids[i % 3]))

    assert [result.id for result in results] == [ids[i % 3] for i in range(30)]
    assert sorted(entry["path"] for entry in upstream.requests(GET_CONVERSATION)) == sorted(
        f"/v1/conversations/{cid}" for cid in ids
    )


# --- processes -----------------------------------------------------------------------------


class Reader:
    """A second dashboard process (tests/support/reader_process.py) whose `threads` threads read
    one conversation when told to go. It inherits this run's environment, CACHE_URL
    included, so it uses the same cache as the test process."""

    def __init__(self, sim, conversation_id: str, threads: int, **settings: str) -> None:
        self.expected = [conversation_id] * threads
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
            "DEBUG": "true",
            "FLOWNALLY_API_URL": sim.base_url,
            "FLOWNALLY_CACHE_TTL_CONVERSATION": "60",
            **settings,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.reader_process", conversation_id, str(threads)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> None:
        line = self.process.stdout.readline().strip()
        assert line == "ready", self.process.stderr.read()

    def go(self) -> None:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def results(self) -> list[str]:
        out, err = self.process.communicate(timeout=HANG_GUARD_S)
        assert self.process.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def redis_is_the_cache(settings) -> bool:
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


TIMEOUTS = {
    "default timeouts": {},
    # The cross-process lock is held for connect + read timeout: here less than a second.
    "sub-second timeouts": {"FLOWNALLY_CONNECT_TIMEOUT": "0.2", "FLOWNALLY_READ_TIMEOUT": "0.6"},
}


@pytest.mark.slow  # starts two more dashboard processes
@pytest.mark.parametrize("timeouts", TIMEOUTS.values(), ids=TIMEOUTS.keys())
def test_two_processes_share_one_request_exactly_when_the_cache_is_redis(
    sim, upstream, settings, timeouts
):
    """Each process queues its own threads; processes meet only in a shared cache. Local
    memory is per process, so there each process asks once: why production uses Redis."""
    sim.control("POST", "config", {"latencyMs": 300})
    readers = [Reader(sim, REFERENCE_CONVERSATION_ID, 25, **timeouts) for _ in range(2)]
    try:
        for reader in readers:
            reader.wait_ready()
        for reader in readers:  # both processes' threads go at (nearly) the same moment
            reader.go()
        for reader in readers:
            assert reader.results() == reader.expected
    finally:
        for reader in readers:
            reader.stop()

    assert upstream.count(GET_CONVERSATION) == (1 if redis_is_the_cache(settings) else 2)


@pytest.mark.slow  # starts two more dashboard processes
def test_a_process_waits_for_another_s_fetch_even_when_its_retries_outlast_the_timeouts(
    sim, upstream, settings
):
    """The first process's fetch is slow but succeeds: two attempts are held 900 ms and then
    answered 503, the third takes 900 ms and answers 200. Each attempt is well within the
    timeouts (connect 0.5 s + read 1.5 s); the whole fetch, with its retries, is not. The
    second process starts reading while the first one's fetch runs; with a shared cache it
    must wait for that fetch's answer instead of fetching again."""
    cid = REFERENCE_CONVERSATION_ID
    path = f"/v1/conversations/{cid}"
    sim.control("POST", "config", {"latencyMs": 900})
    for rule in (
        {"kind": "timeout", "delayMs": 900, "times": 2, "path": f"^{path}$"},
        {"kind": "error", "status": 503, "retryAfter": 0, "times": 2, "path": f"^{path}$"},
    ):
        sim.add_fault(**rule)
    timeouts = {
        "FLOWNALLY_CONNECT_TIMEOUT": "0.5",
        "FLOWNALLY_READ_TIMEOUT": "1.5",
        "FLOWNALLY_RETRIES": "2",
        "FLOWNALLY_RETRY_BASE": "0.01",
    }
    first, second = readers = [Reader(sim, cid, 1, **timeouts) for _ in range(2)]
    try:
        for reader in readers:
            reader.wait_ready()
        first.go()
        upstream.wait_for_start(path)  # the first process holds the lock and is fetching
        second.go()
        for reader in readers:
            assert reader.results() == reader.expected
    finally:
        for reader in readers:
            reader.stop()

    served = upstream.to_path(path)
    began = served[0]["startedAt"]
    timeline = [
        (entry["status"], round(entry["startedAt"] - began, 2), round(entry["endedAt"] - began, 2))
        for entry in served
    ]
    answered = [entry for entry in served if entry["status"] == 200]
    assert len(answered) == (1 if redis_is_the_cache(settings) else 2), timeline


# --- failures ------------------------------------------------------------------------------


def test_a_failed_fetch_does_not_block_the_next_read_of_the_same_key(sim, upstream, settings):
    settings.FLOWNALLY_RETRIES = 0
    cid = REFERENCE_CONVERSATION_ID
    path = f"/v1/conversations/{cid}"
    sim.add_fault(kind="error", status=503, retryAfter=0, times=1, path=f"^{path}$")

    with pytest.raises(Unavailable):
        client.conversation_get(cid)
    assert sim.control("GET", "faults")["faults"] == [], "the fault should be used up"

    assert client.conversation_get(cid).id == cid
    assert [entry["status"] for entry in upstream.to_path(path)] == [503, 200]
    # Neither the failure nor the success left the cross-process lock behind. (The entry's
    # key is checked first, so that the lock's key below is known to be the right one.)
    key = flownally_cache.make_key(f"/conversations/{cid}?")
    assert isinstance(django_cache.get(key), tuple)
    assert django_cache.get(f"{key}:lock") is None


def test_callers_queued_behind_a_failed_fetch_share_its_failure_instead_of_repeating_it(
    sim, upstream, settings
):
    """Those waiting for a fetch that fails get its failure; they do not each try again.
    The next read after them does."""
    settings.FLOWNALLY_RETRIES = 0
    cid = REFERENCE_CONVERSATION_ID
    path = f"/v1/conversations/{cid}"
    sim.control("POST", "config", {"latencyMs": 200})
    # The failing answer is held half a second, so that every caller is queued behind it
    # however slowly a busy machine starts their threads.
    sim.add_fault(kind="timeout", delayMs=500, times=1, path=f"^{path}$")
    sim.add_fault(kind="error", status=503, retryAfter=0, times=1, path=f"^{path}$")

    results = at_once(20, lambda _: client.conversation_get(cid))

    assert all(isinstance(r, Unavailable) for r in results), results
    assert [entry["status"] for entry in upstream.to_path(path)] == [503]
    assert client.conversation_get(cid).id == cid
    assert [entry["status"] for entry in upstream.to_path(path)] == [503, 200]
