"""The live timeline's poll: swaps only when something changed, stops when nothing can."""

from __future__ import annotations

import pytest

from dashboard.accounts.roles import VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db
PAGE = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
POLL = f"/conversations/{REFERENCE_CONVERSATION_ID}/timeline/"
HTMX = {"HX-Request": "true", "HX-Target": "timeline"}


@pytest.fixture
def viewer(flownally, client_as, settings):
    # Polls must see Flownally's state as it is now, not a cached second ago.
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0
    flownally.control("POST", "config", {"failRate": 0, "readRate": 0})
    return client_as(VIEWER)


def _poll(client, fingerprint: str):
    return client.get(POLL, {"v": fingerprint}, headers=HTMX)


def test_an_open_conversation_polls(viewer):
    page = viewer.get(PAGE)
    assert page.context["live"] is True
    assert 'timeline-changed from:body, every 2s"' in page.content.decode()


def test_a_poll_that_finds_nothing_new_swaps_nothing(viewer):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    response = _poll(viewer, fingerprint)
    assert response.status_code == 204 and response.content == b""


def test_a_delivery_state_change_is_swapped_in(viewer, flownally):
    flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "On its way"}}},
    )
    page = viewer.get(PAGE)
    assert "◷ Sending" in page.content.decode()
    flownally.advance(4)
    response = _poll(viewer, page.context["fingerprint"])
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="timeline"') and "<html" not in text
    assert "✓✓ Delivered" in text and "On its way" in text and "◷ Sending" not in text
    # The header rides along out of band: the team replied, so nobody is waiting any more.
    header = text.split('id="conversation-head"', 1)[1]
    assert 'hx-swap-oob="true"' in header.split(">", 1)[0] and "Waiting" not in header


def test_a_new_customer_message_is_appended(viewer, flownally):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    flownally.control(
        "POST", "inbound", {"conversationId": REFERENCE_CONVERSATION_ID, "text": "Any update?"}
    )
    response = _poll(viewer, fingerprint)
    assert response.status_code == 200
    assert (
        response.content.decode().rstrip().rsplit("<li", 1)[1].count("Any update?") == 1
    )  # the last one


def test_polling_stops_once_nothing_can_change(viewer, flownally):
    flownally.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close")
    flownally.advance(10)  # every outbound message reaches a final state or stays delivered
    flownally.control(
        "POST",
        f"messages/{flownally_last_outbound(flownally)}/delivery",
        {"deliveryStatus": "read"},
    )
    page = viewer.get(PAGE)
    assert page.context["live"] is False
    assert "data-poll" not in page.content.decode()
    assert _poll(viewer, page.context["fingerprint"]).status_code == 286


def flownally_last_outbound(flownally) -> str:
    messages = flownally.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()[
        "messages"
    ]
    return next(m["id"] for m in messages if m["senderType"] == "user")


def test_a_closed_conversation_with_a_message_in_flight_still_polls(viewer, flownally):
    flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "Bye"}}},
    )
    flownally.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close")
    assert viewer.get(PAGE).context["live"] is True


@pytest.mark.slow  # waits out Retry-After: 1 s of each injected 503 before retrying (~4 s)
def test_an_outage_during_a_poll_keeps_what_is_shown(viewer, flownally):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    flownally.add_fault(kind="error", status=503)
    assert _poll(viewer, "something-else").status_code == 204
    assert _poll(viewer, fingerprint).status_code == 204


def test_an_older_page_does_not_poll(viewer, flownally):
    for n in range(30):
        flownally.control(
            "POST", "inbound", {"conversationId": REFERENCE_CONVERSATION_ID, "text": f"line {n}"}
        )
    newest = viewer.get(PAGE)
    older = viewer.get(PAGE, {"before": newest.context["earlier"]})
    assert (
        older.context["live"] is False and "Back to the newest messages" in older.content.decode()
    )


def test_a_poll_for_a_malformed_id_is_a_404(viewer):
    assert viewer.get("/conversations/cnv_x/timeline/", headers=HTMX).status_code == 404


def test_a_reassignment_elsewhere_reaches_the_header(viewer, flownally):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    users = flownally.api("GET", "/users").json()["users"]
    ola = next(u for u in users if u["name"] == "Ola Kozłowska")
    flownally.api(
        "POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/reassign", json={"userId": ola["id"]}
    )
    response = _poll(viewer, fingerprint)
    assert (
        response.status_code == 200
        and "Ola Kozłowska" in response.content.decode().split('id="conversation-head"', 1)[1]
    )


@pytest.fixture
def watcher(flownally, client_as):
    """A viewer with the default cache lifetimes, as in production."""
    flownally.control("POST", "config", {"failRate": 0, "readRate": 0})
    return client_as(VIEWER)


def test_polls_that_already_show_the_latest_cost_no_upstream_read_or_query(watcher, flownally):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fingerprint = watcher.get(PAGE).context["fingerprint"]
    before = len(flownally.request_log())
    with CaptureQueriesContext(connection) as queries:
        answers = {_poll(watcher, fingerprint).status_code for _ in range(50)}
    assert answers == {204}
    assert len(flownally.request_log()) == before
    assert len(queries) == 0  # session, user and permissions come from the cache too


def test_an_action_here_makes_the_next_poll_swap_at_once(watcher, flownally):
    from dashboard.flownally import client

    fingerprint = watcher.get(PAGE).context["fingerprint"]
    assert _poll(watcher, fingerprint).status_code == 204
    client.conversation_message_send(REFERENCE_CONVERSATION_ID, client.text("On its way"))
    response = _poll(watcher, fingerprint)
    assert response.status_code == 200
    assert "On its way" in response.content.decode()


def test_a_change_at_flownally_shows_once_the_reads_behind_the_answer_expire(
    watcher, flownally, monkeypatch
):
    import dashboard.flownally.cache as cache

    fingerprint = watcher.get(PAGE).context["fingerprint"]
    flownally.control(
        "POST", "inbound", {"conversationId": REFERENCE_CONVERSATION_ID, "text": "Still there?"}
    )
    later = cache.now() + 2.5  # past both the conversation's and the messages' lifetime
    monkeypatch.setattr(cache, "now", lambda: later)
    response = _poll(watcher, fingerprint)
    assert response.status_code == 200
    assert "Still there?" in response.content.decode()
