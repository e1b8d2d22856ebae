"""The wallboard's trends: a sparkline beside each headline number and its change against
an hour ago, on signed-in and kiosk screens, read from the database once a minute."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.roles import VIEWER
from dashboard.trends import board
from dashboard.wallboard.models import KioskLink
from tests.trends.helpers import keep
from tests.wallboard.test_board import open_conversations

pytestmark = pytest.mark.django_db


def changes(html: str) -> list[str]:
    return re.findall(r"<span class=\"change[^\"]*\" data-change>([^<]*)</span>", html)


def test_each_headline_number_shows_its_trend_and_change_against_an_hour_ago(flownally, client_as):
    opened = len(open_conversations(flownally))
    now = datetime.now(UTC)
    for minutes in range(1, 90):  # an hour and a half of minutes, none 20 to 30 min ago
        if not 20 <= minutes <= 30:
            keep(now - timedelta(minutes=minutes), open=opened - 5, pending=0, waiting=0)
    html = client_as(VIEWER).get("/wallboard/").content.decode()
    assert int(re.findall(r'data-metric="open">(\d+)<', html)[0]) == opened
    found = changes(html)
    assert len(found) == 6
    assert found[0] == "▲ 5 vs 1 h ago"  # open
    assert html.count('<svg class="spark"') == 6
    # The gap 20 to 30 minutes ago breaks each line in two.
    open_tile = html.split('data-metric="open"')[1].split("</div>")[0]
    assert open_tile.count("<polyline") == 2
    assert 'aria-label="Open, last 4 hours: from ' in open_tile


def test_with_nothing_kept_the_board_says_so_and_still_shows_its_numbers(flownally, client_as):
    html = client_as(VIEWER).get("/wallboard/").content.decode()
    assert changes(html) == ["no data 1 h ago"] * 6
    assert "Open: no minutes kept in the last 4 hours" in html


def test_kiosk_screens_show_trends_too(flownally, client):
    _link, token = KioskLink.create("Hall TV", None)
    html = client.get(f"/wallboard/k/{token}/").content.decode()
    assert html.count('<svg class="spark"') == 6


def test_refreshes_read_the_kept_minutes_once_a_minute_whatever_the_screens(flownally, client_as):
    client = client_as(VIEWER)
    client.get("/wallboard/")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get("/wallboard/refresh/").status_code == 200
    assert not [q for q in queries if "trends_minute" in q["sql"]]


def test_while_the_shared_cache_is_unreachable_a_process_still_reads_once_a_minute(
    flownally, client_as, monkeypatch
):
    client = client_as(VIEWER)
    client.get("/wallboard/")
    from django.core.cache import cache

    read = cache.get
    # Every read of the trends' shared copy misses (as when Redis is unreachable).
    monkeypatch.setattr(
        cache, "get", lambda key, *a, **k: None if key.startswith("trends:") else read(key, *a, **k)
    )
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            response = client.get("/wallboard/refresh/")
            assert response.content.decode().count('<svg class="spark"') == 6
    assert not [q for q in queries if "trends_minute" in q["sql"]]


@pytest.mark.parametrize(
    ("now", "before", "minutes", "said"),
    [
        (12, 7, False, ("up", "▲ 5 vs 1 h ago")),
        (3, 7, False, ("down", "▼ 4 vs 1 h ago")),
        (7, 7, False, ("same", "same as 1 h ago")),
        (None, 600, True, ("down", "▼ 10 min vs 1 h ago")),
        (5, None, False, ("", "no data 1 h ago")),
        (17 * 3600, 60, True, ("up", "▲ 17 h vs 1 h ago")),
    ],
)
def test_the_change_against_an_hour_ago_in_words(now, before, minutes, said):
    assert board.change(now, before, minutes=minutes) == said


def test_an_hour_ago_is_the_nearest_minute_within_two():
    values = [None] * 240
    values[240 - 1 - 60 + 2] = 9
    assert board.hour_ago(values) == 9
    values[240 - 1 - 60 - 1] = 4
    assert board.hour_ago(values) == 4
    assert board.hour_ago([None] * 173 + [1] * 3 + [None] * 64) is None


def test_a_database_that_cannot_be_read_leaves_the_board_without_trends_not_broken(
    flownally, client_as, monkeypatch
):
    from django.db import DatabaseError

    client = client_as(VIEWER)  # signed in before the database "fails"

    def broken(*args, **kwargs):
        raise DatabaseError("the database is down")

    monkeypatch.setattr(board.series, "read", broken)
    response = client.get("/wallboard/refresh/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-metric="open"' in html and '<svg class="spark"' not in html
