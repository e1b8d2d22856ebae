"""The change feed: a timeline poll asks Flownally nothing unless the feed saw news for its
conversation (or an outbound message is in flight), and falls back to the short TTLs when
the feed stops beating. The feed is read here by the test, one read at a time."""

from __future__ import annotations

import pytest

from dashboard.accounts.roles import SUPERVISOR, VIEWER
from dashboard.conversations import news
from dashboard.flownally import cache, client
from dashboard.flownally.errors import FlownallyError
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db
PAGE = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
POLL = f"{PAGE}timeline/"
HTMX = {"HX-Request": "true", "HX-Target": "timeline"}
PER_CONVERSATION = ("GET /conversations/{id}", "GET /conversations/{id}/messages")


@pytest.fixture
def clock(monkeypatch):
    """Moves the dashboard's clock on (cache.now: the reads' ages, the trusted lifetimes and
    the feed's heartbeat all read it) instead of sleeping."""
    offset = [0.0]
    real = cache.now
    monkeypatch.setattr(cache, "now", lambda: real() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


@pytest.fixture
def feed(flownally, settings, monkeypatch, clock):
    """The feed on, with its thread left unstarted: the test reads it. Its first read is
    the baseline, trusted from just after it."""
    settings.NEWS_FEED_SECONDS = 0.5
    monkeypatch.setattr(news, "ensure_running", lambda: None)
    flownally.control("POST", "config", {"failRate": 0, "readRate": 0})
    news.read_once()
    clock(1.1)


@pytest.fixture
def viewer(feed, client_as):
    return client_as(VIEWER)


def _poll(client, fingerprint: str):
    return client.get(POLL, {"v": fingerprint}, headers=HTMX)


def _inbound(flownally, text: str) -> None:
    flownally.control(
        "POST", "inbound", {"conversationId": REFERENCE_CONVERSATION_ID, "text": text}
    )


def _per_conversation(upstream) -> int:
    return sum(upstream.count(route) for route in PER_CONVERSATION)


def test_a_poll_with_nothing_in_flight_and_no_news_asks_flownally_nothing(viewer, upstream, clock):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    upstream.forget()
    for _ in range(3):
        clock(2.5)  # past the conversation's and the messages' short TTLs
        assert news.read_once() == []  # the feed beats and saw nothing new
        assert _poll(viewer, fingerprint).status_code == 204
    assert _per_conversation(upstream) == 0
    assert upstream.count("GET /conversations") == 3  # the feed's reads, one page each


def test_a_customer_message_reaches_the_poll_through_the_feed(viewer, flownally, clock):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    clock(2.5)  # past the short TTLs
    assert news.read_once() == []
    _inbound(flownally, "Any update?")
    assert _poll(viewer, fingerprint).status_code == 204  # the feed has not read since
    assert news.read_once() == [REFERENCE_CONVERSATION_ID]
    response = _poll(viewer, fingerprint)
    assert response.status_code == 200
    assert response.content.decode().rstrip().rsplit("<li", 1)[1].count("Any update?") == 1


def test_news_beyond_the_first_page_is_still_seen(viewer, flownally, settings, clock):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    others = [c["id"] for c in flownally.conversations() if c["id"] != REFERENCE_CONVERSATION_ID]
    _inbound(flownally, "Any update?")
    for cid in others[: news.PAGE_SIZE]:  # a hundred newer ones push it to the second page
        flownally.control("POST", "inbound", {"conversationId": cid, "text": "Hello"})
    clock(2.5)
    assert REFERENCE_CONVERSATION_ID in news.read_once()
    assert "Any update?" in _poll(viewer, fingerprint).content.decode()


def test_a_delivery_change_of_a_message_just_sent_is_picked_up_by_the_next_fast_poll(
    viewer, flownally, settings, clock
):
    sent = flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "On its way"}}},
    ).json()["message"]["id"]
    page = viewer.get(PAGE)
    assert "◷ Sending" in page.content.decode()
    assert 'timeline-changed from:body, every 1s"' in page.content.decode()  # polls fast
    flownally.control("POST", f"messages/{sent}/delivery", {"deliveryStatus": "delivered"})
    # Half a fast poll later (well within the messages' short TTL of a second): a lone
    # viewer's next poll, a second later, finds the copy at least that old.
    clock(settings.TIMELINE_FAST_POLL_SECONDS / 2)
    news.read_once()
    response = _poll(viewer, page.context["fingerprint"])
    assert response.status_code == 200 and "✓✓ Delivered" in response.content.decode()
    # Read, it is final: the poll slows down to the usual pace again.
    flownally.control("POST", f"messages/{sent}/delivery", {"deliveryStatus": "read"})
    clock(settings.TIMELINE_FAST_POLL_SECONDS / 2)
    news.read_once()
    fingerprint = response.content.decode().split("?v=", 1)[1].split('"', 1)[0]
    text = _poll(viewer, fingerprint).content.decode()
    assert "every 2s" in text and "every 1s" not in text


def test_a_message_in_flight_longer_than_it_is_followed_is_not_read_again(
    viewer, flownally, upstream, settings, clock
):
    flownally.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": {"type": "text", "text": {"body": "On its way"}}},
    )
    clock(settings.TIMELINE_FOLLOW_SECONDS + 1)
    news.read_once()  # beat; its news (the reply) moves the conversation's tag on
    page = viewer.get(PAGE)
    assert "every 2s" in page.content.decode()
    upstream.forget()
    clock(2.5)
    news.read_once()
    assert _poll(viewer, page.context["fingerprint"]).status_code == 204
    assert _per_conversation(upstream) == 0


def test_a_stale_feed_puts_polls_back_on_the_short_ttls(viewer, flownally, clock):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    news.read_once()
    _inbound(flownally, "Still there?")
    assert _poll(viewer, fingerprint).status_code == 204  # trusted: the feed is healthy
    clock(2.5)  # no read since: the feed's heartbeat is old, and the short TTLs have passed
    response = _poll(viewer, fingerprint)
    assert response.status_code == 200 and "Still there?" in response.content.decode()


def test_a_feed_that_cannot_read_stops_being_trusted(viewer, flownally, clock):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    _inbound(flownally, "Still there?")
    flownally.add_fault(kind="error", status=500, exact_path="/conversations")
    clock(2.5)
    with pytest.raises(FlownallyError):
        news.read_once()
    response = _poll(viewer, fingerprint)
    assert response.status_code == 200 and "Still there?" in response.content.decode()


def test_an_action_here_still_shows_at_the_next_poll(viewer, flownally):
    fingerprint = viewer.get(PAGE).context["fingerprint"]
    news.read_once()
    users = flownally.api("GET", "/users").json()["users"]
    ola = next(u for u in users if u["name"] == "Ola Kozłowska")
    client.conversation_reassign(REFERENCE_CONVERSATION_ID, ola["id"])
    response = _poll(viewer, fingerprint)
    assert "Ola Kozłowska" in response.content.decode().split('id="conversation-head"', 1)[1]


def test_a_reply_sent_from_here_is_followed_by_our_clock_when_flownally_s_is_behind(
    feed, flownally, client_as, clock, settings
):
    supervisor = client_as(SUPERVISOR)
    answer = supervisor.post(
        f"{PAGE}reply/",
        {"kind": "text", "body": "On its way", "idempotency_key": "k-behind"},
        headers={"HX-Request": "true", "HX-Target": "actions"},
    )
    assert answer.status_code == 200 and "Message sent." in answer.content.decode()
    # Flownally's clock runs a follow window behind ours: by its createdAt the reply is old.
    clock(settings.TIMELINE_FOLLOW_SECONDS + 1)
    news.read_once()
    page = supervisor.get(PAGE)
    assert "◷ Sending" in page.content.decode()
    assert 'timeline-changed from:body, every 1s"' in page.content.decode()  # followed
