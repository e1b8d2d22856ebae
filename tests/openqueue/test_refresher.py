"""The open-queue refresher in one process: walks only while wanted and due, never two at
once, on a schedule counted from when each walk began, and never keeps a walk it lost
the lease of."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from dashboard.openqueue import index, reading, refresher, search


def walks(sim) -> int:
    """Walks the simulator saw: each one starts with the four partitions' first pages."""
    return sum(
        "sort=createdAt%3Adesc" in e["query"] and "pageToken" not in e["query"]
        for e in sim.request_log("GET /conversations")
    ) // len(refresher.walk.PARTITIONS)


def test_nobody_looking_means_no_walk(flownally):
    assert refresher.refresh_if_due() is False
    assert flownally.request_log() == []
    index.mark_wanted()
    assert refresher.refresh_if_due() is True
    assert walks(flownally) == 1


def test_two_processes_finding_it_due_at_once_walk_once(flownally):
    flownally.reset(latencyMs=200)
    index.mark_wanted()
    start = threading.Barrier(4)
    results: list[bool] = []

    def tick() -> None:
        start.wait()
        results.append(refresher.refresh_if_due())

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert walks(flownally) == 1
    assert cache.get(refresher.LEASE_KEY) is None  # given back


def test_the_next_walk_is_due_one_interval_after_the_last_began(flownally, settings):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 10
    flownally.reset(latencyMs=300)  # a walk of a second or so
    index.mark_wanted()
    before = time.time()
    refresher.refresh_if_due()
    stamp, failure = index.stored()
    walked = index.load(stamp)
    assert failure is None and before <= stamp < walked.finished_at
    assert walked.walk_seconds > 0.3
    assert not index.due(stamp, None, now=stamp + 9.9)
    assert index.due(stamp, None, now=stamp + 10)  # not finished_at + 10: no drift by a walk


def test_a_process_that_did_not_walk_prepares_the_new_index_before_a_page_asks(flownally):
    index.mark_wanted()
    refresher.refresh_if_due()
    stamp, _ = index.stored()
    index.forget_process_state()  # as another process would be: nothing of it in memory
    refresher.keep_ready()
    # Read from the shared cache, and its search worked out: the next list page pays for
    # neither (each was tens of ms at thousands of open conversations).
    assert index._memo is not None and index._memo.started_at == stamp
    assert search._memo["stamp"] == stamp


@pytest.mark.slow  # waits out retries or intervals in real time
def test_a_walk_whose_lease_was_taken_is_dropped(flownally, settings):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 8  # a lease of 4 s, renewed every second
    flownally.reset(latencyMs=1500)
    index.mark_wanted()
    walking = threading.Thread(target=refresher.refresh_if_due)
    walking.start()
    deadline = time.monotonic() + 5
    while cache.get(refresher.LEASE_KEY) is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    cache.set(refresher.LEASE_KEY, "another-process", timeout=30)  # as if it had lapsed
    walking.join()
    assert index.stored() == (None, None)  # nothing kept
    assert cache.get(refresher.LEASE_KEY) == "another-process"  # and theirs left alone


@pytest.mark.slow  # waits out retries or intervals in real time
def test_a_lease_left_by_a_dead_walker_holds_the_next_walk_for_one_lease_at_most(
    flownally, settings
):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 4  # a lease of 2 s
    index.mark_wanted()
    assert refresher.lease().acquire() is not None  # its holder is gone, nobody renews it
    assert refresher.refresh_if_due() is False
    time.sleep(2.1)
    assert refresher.refresh_if_due() is True


@pytest.mark.slow  # waits out retries or intervals in real time
def test_a_failed_walk_is_kept_beside_the_index_and_retried_one_interval_later(flownally, settings):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 1
    # The walk's failures open the circuit: recovery waits out its cool-off (10 s by default).
    settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS = 0.5
    index.mark_wanted()
    refresher.refresh_if_due()
    flownally.add_fault(kind="error", status=503)
    time.sleep(1)
    refresher.refresh_if_due()
    stamp, failure = index.stored()
    assert failure is not None and failure.at > stamp
    assert refresher.refresh_if_due() is False  # not again at once
    flownally.control("DELETE", "faults")
    time.sleep(1)
    assert refresher.refresh_if_due() is True
    assert index.stored()[1] is None


@pytest.mark.slow  # waits out retries or intervals in real time
def test_a_page_never_waits_once_an_index_exists(flownally, settings):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 1
    flownally.reset(latencyMs=500)
    first = reading.current()
    assert first.index is not None
    time.sleep(1.2)  # due again: the background thread walks, slowly
    started = time.monotonic()
    again = reading.current()
    assert time.monotonic() - started < 0.2
    assert again.index is not None
