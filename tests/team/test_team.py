"""The team page against a real simulator: each member's share of the open queue."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils.html import escape

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [SUPERVISOR, TEAM_LEAD, VIEWER])
def test_every_member_s_open_and_waiting_counts_are_flownally_s(flownally, client_as, role):
    truth = flownally.open_queue()
    response = client_as(role).get("/team/")
    assert response.status_code == 200
    rows = {row["assignee"]: row for row in response.context["rows"]}
    opened = Counter(c.get("assigneeId") for c in truth)
    waiting = Counter(c.get("assigneeId") for c in truth if c.get("waitingSince"))
    for member, count in opened.items():
        row = rows[member] if member else response.context["unassigned"]
        assert row["load"].open == count
        assert row["load"].waiting == waiting[member]
    users = flownally.api("GET", "/users").json()["users"]
    active = {u["id"] for u in users if u.get("active", True)}
    assert active <= set(rows)  # those with nothing open too: they can take the next one
    assert not any(u["id"] in rows for u in users if u["id"] not in active and not opened[u["id"]])


def test_each_count_links_to_the_list_filtered_that_way(flownally, client_as):
    response = client_as(TEAM_LEAD).get("/team/")
    busiest = response.context["rows"][0]
    html = response.content.decode()
    assert f'href="{escape(busiest["open_url"])}"' in html
    assert busiest["open_url"] == f"/?assignee={busiest['assignee']}"
    assert busiest["waiting_url"] == f"/?assignee={busiest['assignee']}&waiting=0"
    assert response.context["unassigned"]["open_url"] == "/?assignee=unassigned"


def test_the_longest_waiting_conversation_per_member_is_named(flownally, client_as):
    truth = flownally.open_queue()
    response = client_as(TEAM_LEAD).get("/team/")
    for row in response.context["rows"]:
        theirs = [
            c for c in truth if c.get("assigneeId") == row["assignee"] and c.get("waitingSince")
        ]
        if not theirs:
            assert row["longest"] is None
            continue
        oldest = min(c["waitingSince"] for c in theirs)
        assert row["longest"].conversation_id in {
            c["id"] for c in theirs if c["waitingSince"] == oldest
        }


@pytest.mark.slow  # waits out retries or intervals in real time
def test_it_says_so_when_flownally_has_never_answered(flownally, client_as):
    flownally.add_fault(kind="error", status=503)
    response = client_as(TEAM_LEAD).get("/team/")
    assert response.status_code == 502
    assert "Flownally" in response.content.decode() and "Traceback" not in response.content.decode()


def test_a_role_is_required(flownally, client_as, client):
    assert client.get("/team/").status_code == 302
    assert client_as(None).get("/team/").status_code == 403


@pytest.mark.slow  # Flownally holds the first walk for seconds
def test_while_flownally_hangs_the_first_page_answers_within_its_budget(
    flownally, client_as, settings
):
    """The very first walk of the open queue has no deadline (it runs in the background),
    but a page waits for it only within its own budget, then says it is still reading."""
    import time

    settings.PAGE_BUDGET_SECONDS = 2
    flownally.add_fault(kind="timeout", delayMs=6000, path="^/v1/conversations$")
    started = time.monotonic()
    response = client_as(TEAM_LEAD).get("/team/")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "Reading the open queue from Flownally" in response.content.decode()
    assert elapsed < 2.5, f"answered after {elapsed:.1f} s"
