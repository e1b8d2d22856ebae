"""The alert poll and the preference page, against a real simulator."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.alerts.models import AlertPreference
from dashboard.openqueue import index, reading
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db

STATE = "/alerts/state/"


@pytest.fixture
def walked(flownally, settings):
    """The open-queue index, walked once (and not again during the test)."""
    settings.OPEN_QUEUE_REFRESH_SECONDS = 3600
    assert reading.current().index is not None
    return flownally


def attributes(html: str) -> dict[str, str]:
    tag = re.search(r'<div id="alert-state"[^>]*>', html)
    assert tag, html
    return dict(re.findall(r'(data-[a-z-]+)(?:="([^"]*)")?', tag.group(0)))


def keys(html: str) -> list[str]:
    return re.findall(r'data-key="([^"]*)"', html)


def over_threshold(truth: list[dict], minutes: int) -> list[dict]:
    limit = timezone.now() - timedelta(minutes=minutes)
    return [
        c
        for c in truth
        if c.get("waitingSince") and datetime.fromisoformat(c["waitingSince"]) <= limit
    ]


@pytest.mark.parametrize("role", [SUPERVISOR, TEAM_LEAD, VIEWER])
def test_the_poll_counts_every_customer_waiting_past_the_threshold(
    walked, client_as, role, settings
):
    settings.WAIT_ALERT_MINUTES = 5
    truth = over_threshold(walked.open_queue(), 5)
    assert truth, "the seeded tenant has customers waiting over 5 minutes"
    response = client_as(role).get(STATE)
    assert response.status_code == 200
    html = response.content.decode()
    data = attributes(html)
    assert data["data-state"] == "fresh"
    assert int(data["data-count"]) == len(truth)
    assert data["data-complete"] == "true"
    # Crossings only: the walk may also have found failed deliveries, listed as failed:….
    assert sorted(k for k in keys(html) if k.startswith("wait:")) == sorted(
        f"wait:{c['id']}:{datetime.fromisoformat(c['waitingSince']).isoformat()}" for c in truth
    )
    assert f'href="/conversations/{truth[0]["id"]}/"' in html
    assert "data-first" not in data  # the user's choice is rendered with the page only


def test_the_poll_costs_flownally_nothing(walked, client_as, upstream):
    client = client_as(TEAM_LEAD)
    upstream.forget()
    for _ in range(3):
        assert client.get(STATE).status_code == 200
    assert upstream.count() == 0


def test_the_poll_says_unavailable_rather_than_zero_while_the_index_is_stale(
    walked, client_as, monkeypatch
):
    later = time.time() + 3 * reading.stale_after()
    monkeypatch.setattr(reading.time, "time", lambda: later)
    html = client_as(TEAM_LEAD).get(STATE).content.decode()
    assert attributes(html)["data-state"] == "unavailable"
    assert "data-count" not in attributes(html) and not keys(html)


def test_the_poll_says_unavailable_before_the_first_walk(flownally, client_as, settings):
    settings.OPEN_QUEUE_REFRESH_SECONDS = 3600
    flownally.add_fault(kind="error", status=503)  # the first walk cannot land
    index.forget_process_state()
    html = client_as(TEAM_LEAD).get(STATE).content.decode()
    assert attributes(html)["data-state"] == "unavailable"


def test_the_poll_is_for_signed_in_people_who_may_view_conversations(walked, client, client_as):
    assert client.get(STATE).status_code == 302  # signed out, and so a kiosk screen
    assert "alert-state" not in client.get(STATE, follow=True).content.decode()
    assert client_as(None).get(STATE).status_code == 403


def test_the_poll_answers_nothing_but_get(walked, client_as):
    client = client_as(TEAM_LEAD)
    assert client.post(STATE).status_code == 405
    hostile = client.get(STATE, {"since": "<script>", "count": "-1"})
    assert hostile.status_code == 200 and "<script>" not in hostile.content.decode()


def test_every_page_carries_the_poll_with_what_is_known_and_the_user_s_choice(walked, client_as):
    client = client_as(TEAM_LEAD)
    user = client.get("/").wsgi_request.user
    AlertPreference.objects.create(user=user, sound=True, desktop=False)
    for page in ("/", "/team/", "/alerts/"):
        html = client.get(page).content.decode()
        data = attributes(html)
        assert data["data-sound"] == "on" and data["data-desktop"] == "off"
        assert data["data-state"] == "fresh"
        assert re.search(r'hx-get="/alerts/state/" hx-trigger="every \d+s"', html)
    assert 'src="/static/js/alerts.js"' in html


def test_a_page_without_the_permission_carries_no_poll(walked, client_as):
    html = client_as(None).get("/alerts/").content.decode()
    assert "alert-state" not in html


def test_the_preference_page_switches_the_user_s_own_alerts(walked, client_as, make_user):
    other = make_user(VIEWER, username="someone-else")
    AlertPreference.objects.create(user=other, sound=True, desktop=True)
    client = client_as(TEAM_LEAD)
    page = client.get("/alerts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="sound"' in html and "checked" not in html  # both off until chosen
    assert '<label class="check"><input type="checkbox" name="desktop"' in html

    saved = client.post("/alerts/", {"desktop": "on"}, follow=True)
    assert saved.redirect_chain == [("/alerts/", 302)]
    assert "Alerts saved." in saved.content.decode()
    mine = AlertPreference.objects.get(user__username=saved.wsgi_request.user.username)
    assert (mine.sound, mine.desktop) == (False, True)
    theirs = AlertPreference.objects.get(user=other)
    assert (theirs.sound, theirs.desktop) == (True, True)  # untouched

    client.post("/alerts/", {"sound": "on", "desktop": "yes please"})
    mine.refresh_from_db()
    assert (mine.sound, mine.desktop) == (True, False)  # only "on" switches on


def test_the_preference_page_needs_a_csrf_token(walked, make_user):
    make_user(TEAM_LEAD, username="careful")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="careful", password=PASSWORD)
    assert client.post("/alerts/", {"sound": "on"}).status_code == 403
    assert not AlertPreference.objects.exists()


def test_the_preference_page_is_for_who_may_view_conversations(walked, client, client_as):
    assert client.get("/alerts/").status_code == 302
    assert client_as(None).post("/alerts/", {"sound": "on"}).status_code == 403
    assert not AlertPreference.objects.exists()


def test_the_poll_reads_no_preference_or_anything_else_from_the_database(walked, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(TEAM_LEAD)
    client.get(STATE)  # the session and the user, once
    with CaptureQueriesContext(connection) as queries:
        assert client.get(STATE).status_code == 200
    touched = [q["sql"] for q in queries if "alerts_" in q["sql"]]
    assert touched == [] and len(queries) <= 2, [q["sql"] for q in queries]


def test_no_poll_when_alerts_poll_seconds_is_zero(walked, client_as, settings):
    settings.ALERTS_POLL_SECONDS = 0
    assert "alert-state" not in client_as(TEAM_LEAD).get("/").content.decode()


def test_the_poll_lists_each_failed_delivery_by_its_message(walked, client_as):
    from dataclasses import replace

    from tests.alerts.test_state import Failed

    current = reading.current().index
    assert current is not None
    victim = current.conversations[0]
    index.store(replace(current, failed=(Failed("msg_01FAILED", victim.id),)))
    html = client_as(TEAM_LEAD).get(STATE).content.decode()
    assert "failed:msg_01FAILED" in keys(html)
    assert (
        f'<a href="/conversations/{victim.id}/" data-key="failed:msg_01FAILED" data-kind="failed"'
        in html
    )
    assert "was not delivered" in html


def test_a_kiosk_screen_carries_no_poll(walked, client):
    from dashboard.wallboard.models import KioskLink

    _, token = KioskLink.create("Support room TV", None)
    board = client.get(f"/wallboard/k/{token}/")
    assert board.status_code == 200
    assert "alert-state" not in board.content.decode()
