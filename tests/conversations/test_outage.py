"""The conversation list during a Flownally outage, through a live server: every viewer
is answered within the page budget, with the last good list marked stale, and the viewers
waiting for one read share its failure instead of each repeating it; an attempted action
does not take the last good list away."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from dashboard.accounts.roles import TEAM_LEAD, VIEWER, ensure_roles
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.viewers import at_once, session_of

STALE_LIST = "Flownally is not answering. Showing the list as it was"
ANSWERED_WITHIN_S = 4  # the bound, for a PAGE_BUDGET_SECONDS of 3


@pytest.fixture
def short_ttls(settings):
    settings.FLOWNALLY_CACHE_TTL_LIST = 0.2
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 0.2
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0.2


@pytest.mark.slow  # the viewers wait out the page budget (3 s) on a hanging Flownally
@pytest.mark.django_db(transaction=True)
def test_twelve_viewers_of_a_hanging_list_are_answered_in_time_with_the_stale_copy(
    live_server, flownally, upstream, settings, short_ttls, client, make_user
):
    ensure_roles()  # transactional tests flush the tables, roles included
    settings.PAGE_BUDGET_SECONDS = 3
    cookie = session_of(client, make_user(VIEWER))  # a Viewer: no open-queue walk behind
    first = at_once(f"{live_server.url}/", 1, cookie)[0]
    assert first.status == 200 and STALE_LIST not in first.text
    flownally.add_fault(kind="timeout", exact_path="/conversations", delayMs=6000)
    upstream.forget()
    time.sleep(0.3)  # the list's copy is no longer fresh

    health: list[tuple[int, float]] = []

    def healthz_while_they_wait() -> None:
        time.sleep(1)  # the twelve are all waiting on Flownally by now
        started = time.monotonic()
        answer = requests.get(f"{live_server.url}/healthz", timeout=5)
        health.append((answer.status_code, time.monotonic() - started))

    checker = threading.Thread(target=healthz_while_they_wait)
    checker.start()
    seen = at_once(f"{live_server.url}/", 12, cookie)
    checker.join()

    assert health[0][0] == 200 and health[0][1] < 0.1, health
    assert [s.status for s in seen] == [200] * 12, [s.text[:300] for s in seen]
    slowest = max(s.seconds for s in seen)
    assert slowest < ANSWERED_WITHIN_S, slowest
    assert all(STALE_LIST in s.text for s in seen)
    asked = [e for e in upstream.requests() if e["path"] == "/v1/conversations"]
    assert len(asked) <= 2, f"{len(asked)} requests: the viewers repeated the failed read"


@pytest.mark.django_db
def test_an_action_that_fails_upstream_leaves_the_list_its_stale_copy(
    flownally, settings, short_ttls, client_as
):
    client = client_as(TEAM_LEAD)
    assert client.get("/").status_code == 200
    users = flownally.api("GET", "/users").json()["users"]
    someone = next(u["id"] for u in users if u["active"])
    flownally.add_fault(kind="error", status=503, retryAfter=0, path="^/v1/conversations")

    client.post(
        f"/conversations/{REFERENCE_CONVERSATION_ID}/reassign/",
        {"user_id": someone, "idempotency_key": "outage-1"},
    )
    listed = client.get("/")

    assert listed.status_code == 200
    assert STALE_LIST in listed.content.decode()
