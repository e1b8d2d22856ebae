"""The failed deliveries page (/failed/) against the simulator: from the open-queue index,
newest failure first, with who sent each; its scan's reach, its age, stale and empty."""

from __future__ import annotations

import time

import pytest

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.core.upstream import describe
from dashboard.flownally.errors import Unavailable
from dashboard.openqueue import index
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"


@pytest.fixture
def quiet(flownally, settings):
    """No delivery fails unless a test makes it; every open conversation is scanned."""
    settings.WALLBOARD_FAILED_SCAN = 200
    flownally.control("POST", "config", {"failRate": 0})
    return flownally


def reply_and_fail(sim, client, body: str, key: str, code: str = "recipient_unreachable") -> str:
    """A reply sent through the dashboard by `client`'s account, made to fail."""
    assert (
        client.post(
            f"{ANNA}reply/", {"kind": "text", "body": body, "idempotency_key": key}
        ).status_code
        == 302
    )
    sent = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()[
        "messages"
    ][0]
    assert sent["content"]["text"]["body"] == body
    sim.control(
        "POST", f"messages/{sent['id']}/delivery", {"deliveryStatus": "failed", "failureCode": code}
    )
    return sent["id"]


def test_failed_messages_are_listed_newest_first_with_who_sent_them(quiet, client_as):
    client = client_as(SUPERVISOR)
    older = reply_and_fail(quiet, client, "First", "k-1", "window_closed")
    quiet.advance(3)
    newer = reply_and_fail(quiet, client, "Second", "k-2")
    response = client.get("/failed/")
    assert response.status_code == 200
    rows = response.context["rows"]
    ids = [row["failed"].message_id for row in rows]
    assert ids.index(newer) < ids.index(older)
    stamps = [row["failed"].failed_at for row in rows]
    assert stamps == sorted(stamps, reverse=True)
    row = rows[ids.index(older)]
    assert row["sender"] == "supervisor, via the dashboard"  # the audit log's, not the token's
    html = response.content.decode()
    assert f'href="{ANNA}#m-{older}">Anna Kowalska</a>' in html
    assert (
        "<code>window_closed</code> The 24-hour customer service window closed before delivery."
        in html
    )
    assert "supervisor, via the dashboard" in html
    # How far the scan reaches, in words.
    assert "200 most recently active open conversations of the last 60 minutes" in html
    assert "one page of messages each" in html
    assert "As of" in html and "stale" not in html


def test_a_failure_not_sent_from_here_names_flownally_s_sender(quiet, client_as):
    sent = quiet.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "From elsewhere"}}},
    ).json()["message"]
    quiet.control("POST", f"messages/{sent['id']}/delivery", {"deliveryStatus": "failed"})
    rows = client_as(VIEWER).get("/failed/").context["rows"]
    row = next(r for r in rows if r["failed"].message_id == sent["id"])
    assert row["sender"] == "Marta Zielińska"  # the token's owner, as Flownally says


def test_the_page_asks_flownally_nothing_once_the_index_is_there(quiet, client_as, upstream):
    client = client_as(VIEWER)
    client.get("/failed/")
    before = len(quiet.request_log())
    assert client.get("/failed/").status_code == 200
    assert len(quiet.request_log()) == before


@pytest.mark.parametrize("role", [SUPERVISOR, TEAM_LEAD, VIEWER])
def test_every_role_that_views_conversations_may_open_it(quiet, client_as, role):
    sent = quiet.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "Lost"}}},
    ).json()["message"]
    quiet.control("POST", f"messages/{sent['id']}/delivery", {"deliveryStatus": "failed"})
    response = client_as(role).get("/failed/")
    assert response.status_code == 200 and sent["id"] in response.content.decode()
    # Only those who may reply get the Resend buttons (a team lead may not reply).
    assert ("Resend</button>" in response.content.decode()) == (role == SUPERVISOR)


def test_it_needs_a_role_and_a_sign_in(quiet, client_as, client):
    assert client.get("/failed/").status_code == 302  # to sign in
    assert client_as(None).get("/failed/").status_code == 403


def test_with_no_failures_it_says_so(quiet, client_as, settings):
    settings.WALLBOARD_FAILED_WINDOW_MINUTES = 1
    quiet.advance(120)  # every failure of the seeded history is older than the window
    response = client_as(VIEWER).get("/failed/")
    assert response.status_code == 200 and response.context["rows"] == []
    assert "No failed deliveries in the last 1 minutes." in response.content.decode()


def test_after_a_failed_walk_the_last_list_stays_marked_stale(quiet, client_as):
    client = client_as(VIEWER)
    failed = reply_and_fail(quiet, client_as(SUPERVISOR), "Lost", "k-3")
    assert client.get("/failed/").status_code == 200
    index.store_failure(index.Failure(time.time(), describe(Unavailable("down", status=503))))
    response = client.get("/failed/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="index-age stale"' in html and "Flownally is not answering" in html
    assert failed in html  # the last list, still shown


def test_before_any_walk_succeeds_it_says_flownally_is_down(flownally, client_as):
    flownally.add_fault(kind="error", status=503)
    response = client_as(VIEWER).get("/failed/")
    assert response.status_code == 502
    assert "Flownally is not answering" in response.content.decode()
