"""Ten screens refreshing at once, over real HTTP: one round of upstream requests."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from django.core.cache import cache

from dashboard.openqueue import index, refresher
from dashboard.wallboard.models import KioskLink

# slow: each test waits out the board's refresh interval twice (2 x 1.1 s) on a live server.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
SCREENS = 10


@pytest.fixture
def refresh_url(live_server, flownally):
    flownally.reset(latencyMs=100)  # upstream calls long enough for the screens to overlap
    _, token = KioskLink.create("TV", None)
    return f"{live_server.url}/wallboard/k/{token}/refresh/"


def upstream_requests(sim) -> int:
    return len([e for e in sim.request_log() if e["path"].startswith("/v1/")])


def screens_at_once(url: str) -> list[str]:
    """Every screen's board, fetched at the same moment."""
    start = threading.Barrier(SCREENS)
    boards: list = []

    def screen():
        with requests.Session() as session:
            start.wait()
            try:
                boards.append(session.get(url, headers={"HX-Request": "true"}, timeout=30))
            except requests.RequestException as error:
                boards.append(error)

    threads = [threading.Thread(target=screen) for _ in range(SCREENS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [getattr(r, "status_code", r) for r in boards] == [200] * SCREENS
    return [r.text for r in boards]


def open_count(board: str) -> int:
    return int(re.search(r'data-metric="open">(\d+)<', board)[1])


def no_index_yet(sim) -> None:
    """Forget the index, let the message pages' cache expire, and clear the request log.
    (The kiosk link stays cached: ten screens reading it from the test database at once
    would share its one SQLite connection across threads.)"""
    time.sleep(1.1)
    cache.delete_many([index.INDEX_KEY, index.STAMP_KEY, index.FAILURE_KEY])
    index.forget_process_state()
    sim.control("DELETE", "requests")


def test_ten_screens_with_no_index_yet_cost_the_requests_of_one(refresh_url, flownally):
    requests.get(refresh_url, timeout=30).raise_for_status()
    no_index_yet(flownally)
    requests.get(refresh_url, timeout=30).raise_for_status()
    one_screen = upstream_requests(flownally)
    assert one_screen >= 5  # four partition walks and message pages (the directory is cached)

    no_index_yet(flownally)
    boards = screens_at_once(refresh_url)
    assert upstream_requests(flownally) == one_screen
    assert len({open_count(board) for board in boards}) == 1


def test_ten_screens_cost_nothing_upstream_and_see_numbers_younger_than_interval_and_walk(
    refresh_url, flownally, settings
):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 2
    requests.get(refresh_url, timeout=30).raise_for_status()  # the first index
    refresher.stop()  # no walk during the screens' requests: what they cost is theirs alone
    flownally.control("DELETE", "requests")
    boards = screens_at_once(refresh_url)
    assert upstream_requests(flownally) == 0
    assert len({open_count(board) for board in boards}) == 1
    walked = index.load(index.stored()[0])
    ages = [float(re.search(r'data-age="([\d.]+)"', board)[1]) for board in boards]
    assert max(ages) <= settings.OPEN_QUEUE_REFRESH_SECONDS + walked.walk_seconds + 1
