"""The trends page and its CSV: a day in the URL against the same weekday a week before,
what a bad day gets, the empty state, seeded history said, permissions."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from dashboard.accounts.roles import SUPERVISOR, VIEWER
from tests.trends.helpers import keep

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 23)  # a Monday
HOSTILE = '=HYPERLINK("http://evil")<img src=x onerror=alert(1)>'


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), timezone.get_current_timezone())


@pytest.fixture
def two_mondays(settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    timezone.activate(timezone.get_default_timezone())  # the setting as a request sees it
    for minute, waiting in ((0, 4), (1, 31), (2, 12)):
        keep(
            at(DAY, 10, 39 + minute),
            waiting=waiting,
            members={"usr_a": [6, 2]},
            names={"usr_a": HOSTILE},
        )
    keep(at(DAY - timedelta(days=7), 11, 2), waiting=25)
    yield
    timezone.deactivate()


def test_a_day_is_charted_against_the_same_weekday_a_week_before(two_mondays, client_as):
    html = client_as(VIEWER).get(f"/trends/?day={DAY}").content.decode()
    # Hours in the site's time zone: 10:40 in Warsaw is 09:40 UTC.
    assert "Waiting: last kept at 10:41 12, peak 31 at 10:40; last Monday peak 25 at 11:02" in html
    assert html.count('<svg class="chart"') == 6 + 1  # six numbers, one team member
    waiting = re.search(
        r'<section class="trend-panel" aria-labelledby="trend-waiting">.*?</section>', html, re.S
    )
    assert waiting is not None
    assert "<desc>Waiting: last kept" in waiting[0]
    assert re.search(r"<th scope=\"row\">10:00</th><td>31</td><td>—</td>", waiting[0])
    assert re.search(r"<th scope=\"row\">11:00</th><td>—</td><td>25</td>", waiting[0])


def test_hostile_member_names_stay_text(two_mondays, client_as):
    html = client_as(VIEWER).get(f"/trends/?day={DAY}").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_day_defaults_to_today_and_an_empty_day_says_nothing_was_kept(client_as):
    response = client_as(VIEWER).get("/trends/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    assert "No minutes were kept" in html and '<svg class="chart"' not in html


@pytest.mark.parametrize("bad", ["yesterday", "2026-02-30", "20261123", "2026-11-23T10:00"])
def test_a_bad_day_gets_a_clear_400(client_as, bad):
    client = client_as(VIEWER)
    response = client.get("/trends/", {"day": bad})
    assert response.status_code == 400
    assert "is not a day: use the form YYYY-MM-DD" in response.content.decode()
    assert client.get("/trends/trends.csv", {"day": bad}).status_code == 400


def test_seeded_history_is_said_when_shown(client_as):
    client = client_as(VIEWER)
    keep(at(DAY, 9), seeded=True)
    assert "Includes seeded demo history" in client.get(f"/trends/?day={DAY}").content.decode()
    day_after = DAY + timedelta(days=1)
    keep(at(day_after, 9))
    assert "seeded" not in client.get(f"/trends/?day={day_after}").content.decode()


def test_the_csv_has_a_row_per_kept_minute_and_no_formula_runs(two_mondays, client_as):
    response = client_as(VIEWER).get(f"/trends/trends.csv?day={DAY}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="trends-{DAY}.csv"'
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:8] == [
        "time",
        "open",
        "pending",
        "waiting",
        "longest_wait_seconds",
        "unassigned",
        "failed",
        "seeded",
    ]
    assert rows[0][8:] == [f"'{HOSTILE} open", f"'{HOSTILE} waiting"]
    assert [r[0] for r in rows[1:]] == [f"{DAY}T10:{m}:00+01:00" for m in (39, 40, 41)]
    assert [r[3] for r in rows[1:]] == ["4", "31", "12"]
    assert rows[1][8:] == ["6", "2"]
    assert all(line.startswith('"') for line in text.splitlines())  # every cell quoted


def test_an_account_without_a_role_is_refused_and_not_shown_the_link(client_as):
    client = client_as(None)
    assert client.get("/trends/").status_code == 403
    assert client.get("/trends/trends.csv").status_code == 403
    assert '<a href="/trends/">Trends</a>' not in client.get("/team/").content.decode()


@pytest.mark.parametrize("role", [VIEWER, SUPERVISOR])
def test_the_navigation_links_it_for_those_allowed(client_as, role):
    assert '<a href="/trends/">Trends</a>' in client_as(role).get("/trends/").content.decode()


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/trends/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
