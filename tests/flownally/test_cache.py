"""The read cache: fresh for its TTL, then fetched again; writes invalidate what they change
and nothing else; while Flownally is down the last good page is served, marked stale, to
callers that accept it.

Requests are counted at the simulator; cache time is moved by replacing `cache.now`."""

from __future__ import annotations

import time

import pytest

from dashboard.flownally import cache as flownally_cache
from dashboard.flownally import client
from dashboard.flownally.errors import RateLimited, Unavailable
from dashboard.flownally.models import TextContent
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.simulator import closed_port_url

CID = REFERENCE_CONVERSATION_ID
TTL = 2.0
GET_CONVERSATION = "GET /conversations/{id}"
LIST_CONVERSATIONS = "GET /conversations"
LIST_MESSAGES = "GET /conversations/{id}/messages"


class Clock:
    """The cache's clock, moved by hand."""

    def __init__(self) -> None:
        self.seconds = time.time()

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(flownally_cache, "now", clock)
    return clock


@pytest.fixture(autouse=True)
def _client_on_simulator(flownally, settings):
    """The shared `flownally` set-up, with a short TTL for every kind of read."""
    settings.FLOWNALLY_CACHE_TTL_LIST = TTL
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = TTL
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = TTL
    settings.FLOWNALLY_CACHE_TTL_DIRECTORY = TTL


def other_conversation_id(sim, upstream) -> str:
    found = sim.api("GET", "/conversations", params={"pageSize": 5}).json()["conversations"]
    upstream.forget()
    return next(c["id"] for c in found if c["id"] != CID)


# --- TTL -----------------------------------------------------------------------------------


def test_a_second_read_within_the_ttl_costs_no_request(sim, upstream, clock):
    first = client.conversation_get(CID)
    clock.advance(TTL - 0.1)
    assert client.conversation_get(CID) == first
    assert upstream.count(GET_CONVERSATION) == 1


def test_a_read_after_the_ttl_goes_upstream_once(sim, upstream, clock):
    client.conversation_get(CID)
    clock.advance(TTL + 0.1)
    client.conversation_get(CID)
    client.conversation_get(CID)
    assert upstream.count(GET_CONVERSATION) == 2


def test_each_kind_of_read_is_cached_for_its_own_ttl(sim, upstream, settings, clock):
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = 1.0
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 5.0
    client.conversation_messages(CID)
    client.conversation_get(CID)
    clock.advance(3.0)
    client.conversation_messages(CID)
    client.conversation_get(CID)
    assert upstream.count(LIST_MESSAGES) == 2
    assert upstream.count(GET_CONVERSATION) == 1


def test_a_ttl_of_zero_sends_every_read_upstream(sim, upstream, settings):
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 0
    settings.FLOWNALLY_CACHE_TTL_LIST = 0
    for _ in range(3):
        client.conversation_get(CID)
        client.conversation_list()
    assert upstream.count(GET_CONVERSATION) == 3
    assert upstream.count(LIST_CONVERSATIONS) == 3


def test_different_query_parameters_are_cached_apart(sim, upstream):
    client.conversation_list(page_size=5)
    client.conversation_list(page_size=10)
    client.conversation_list(page_size=5)
    client.conversation_list(status=["open"])
    assert upstream.count(LIST_CONVERSATIONS) == 3


# --- writes invalidate ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(
            lambda body: client.conversation_message_send(CID, client.text(body)),
            id="conversation_message_send",
        ),
        pytest.param(
            lambda body: client.message_send(client.to_conversation(CID), client.text(body)),
            id="message_send",
        ),
    ],
)
def test_after_sending_a_message_the_next_messages_read_goes_upstream_and_shows_it(
    sim, upstream, send
):
    before = client.conversation_messages(CID)
    body = "Cache invalidation check: your parcel left the depot."
    assert TextContent(body) not in [m.content for m in before.items]

    sent = send(body)

    after = client.conversation_messages(CID)
    assert upstream.count(LIST_MESSAGES) == 2
    assert after.items[0].id == sent.message.id
    assert after.items[0].content == TextContent(body)
    assert not after.stale


def another_active_user(sim) -> str:
    users = sim.api("GET", "/users").json()["users"]
    current = sim.api("GET", f"/conversations/{CID}").json()["assigneeId"]
    return next(u["id"] for u in users if u["active"] and u["id"] != current)


def newest_message(sim) -> str:
    return sim.api("GET", f"/conversations/{CID}/messages").json()["messages"][0]["id"]


def prepare_reassign(sim):
    user_id = another_active_user(sim)
    return lambda: client.conversation_reassign(CID, user_id)


def prepare_close(sim):
    return lambda: client.conversation_close(CID)


def prepare_read(sim):
    message_id = newest_message(sim)
    return lambda: client.conversation_read(CID, message_id)


# Each reads what it needs from the simulator directly (not counted), then returns the write.
WRITES = {"reassign": prepare_reassign, "close": prepare_close, "read": prepare_read}


@pytest.mark.parametrize("prepare", WRITES.values(), ids=WRITES.keys())
def test_after_a_write_the_next_conversation_and_list_reads_go_upstream(sim, upstream, prepare):
    write = prepare(sim)
    upstream.forget()
    before = client.conversation_get(CID)
    before_page = client.conversation_list()
    assert CID in [c.id for c in before_page.items]

    write()

    after = client.conversation_get(CID)
    after_page = client.conversation_list()
    assert upstream.count(GET_CONVERSATION) == 2
    assert upstream.count(LIST_CONVERSATIONS) == 2
    assert after != before, "the write changed nothing the reads could show"
    listed = next(c for c in after_page.items if c.id == CID)
    assert (listed.status, listed.assignee_id, listed.unread_count) == (
        after.status,
        after.assignee_id,
        after.unread_count,
    )


def test_a_send_that_fails_still_invalidates_what_it_may_have_changed(sim, upstream, settings):
    """The send may have been carried out even though no answer says so."""
    settings.FLOWNALLY_RETRIES = 0
    client.conversation_get(CID)
    client.conversation_list()
    client.conversation_messages(CID)
    sim.add_fault(
        kind="error",
        status=503,
        retryAfter=0,
        method="POST",
        path=f"^/v1/conversations/{CID}/messages$",
    )

    with pytest.raises(Unavailable):
        client.conversation_message_send(CID, client.text("Did this one go out?"))

    client.conversation_get(CID)
    client.conversation_list()
    client.conversation_messages(CID)
    assert upstream.count(GET_CONVERSATION) == 2
    assert upstream.count(LIST_CONVERSATIONS) == 2
    assert upstream.count(LIST_MESSAGES) == 2


def test_a_write_to_one_conversation_leaves_another_conversation_cached(sim, upstream):
    other = other_conversation_id(sim, upstream)
    client.conversation_get(CID)
    client.conversation_get(other)
    client.conversation_messages(other)

    client.conversation_close(CID)

    client.conversation_get(other)
    client.conversation_messages(other)
    client.conversation_get(CID)
    paths = [entry["path"] for entry in upstream.requests(GET_CONVERSATION)]
    assert paths.count(f"/v1/conversations/{other}") == 1
    assert paths.count(f"/v1/conversations/{CID}") == 2
    assert upstream.count(LIST_MESSAGES) == 1


def test_a_write_leaves_the_directory_cached(sim, upstream):
    client.user_list()
    client.inbox_list()
    client.conversation_close(CID)
    client.user_list()
    client.inbox_list()
    assert upstream.count("GET /users") == 1
    assert upstream.count("GET /inboxes") == 1


# --- stale fallback ------------------------------------------------------------------------


def fail_with_503(sim, settings) -> None:
    sim.add_fault(kind="error", status=503, retryAfter=0, path="^/v1/conversations")


def fail_to_connect(sim, settings) -> None:
    settings.FLOWNALLY_API_URL = closed_port_url()


def recover(sim, settings) -> None:
    sim.control("DELETE", "faults")
    settings.FLOWNALLY_API_URL = sim.base_url


OUTAGES = {"503": fail_with_503, "closed port": fail_to_connect}


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
def test_while_flownally_is_down_a_caller_that_allows_it_gets_the_last_page_marked_stale(
    sim, upstream, settings, clock, outage
):
    settings.FLOWNALLY_RETRIES = 0
    fresh = client.conversation_list(allow_stale=True)
    assert fresh.stale is False and fresh.items
    clock.advance(TTL + 5)
    outage(sim, settings)

    stale = client.conversation_list(allow_stale=True)

    assert stale.stale is True
    assert stale.age > TTL
    assert stale.items == fresh.items
    assert stale.next_page_token == fresh.next_page_token
    served = [entry["status"] for entry in upstream.to_path("/v1/conversations")]
    assert served.count(200) == 1, "the stale page must be the old answer, not a new one"


def test_while_flownally_rate_limits_a_caller_that_allows_it_gets_the_last_page_marked_stale(
    sim, settings, clock
):
    settings.FLOWNALLY_RETRIES = 0
    fresh = client.conversation_list(allow_stale=True)
    clock.advance(TTL + 5)
    sim.add_fault(kind="rate_limit", retryAfter=0, path="^/v1/conversations")

    stale = client.conversation_list(allow_stale=True)

    assert (stale.stale, stale.items) == (True, fresh.items)
    assert stale.age > TTL
    with pytest.raises(RateLimited):
        client.conversation_list()


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
def test_while_flownally_is_down_a_caller_that_does_not_allow_stale_gets_unavailable(
    sim, settings, clock, outage
):
    settings.FLOWNALLY_RETRIES = 0
    client.conversation_list(allow_stale=True)
    clock.advance(TTL + 5)
    outage(sim, settings)

    with pytest.raises(Unavailable):
        client.conversation_list()


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
def test_when_flownally_is_back_the_next_read_is_fresh_again(
    sim, upstream, settings, clock, outage
):
    settings.FLOWNALLY_RETRIES = 0
    client.conversation_list(allow_stale=True)
    clock.advance(TTL + 5)
    outage(sim, settings)
    assert client.conversation_list(allow_stale=True).stale is True
    recover(sim, settings)

    page = client.conversation_list(allow_stale=True)

    assert page.stale is False
    assert page.age < TTL
    served = [entry["status"] for entry in upstream.to_path("/v1/conversations")]
    assert served[-1] == 200 and served.count(200) == 2
    clock.advance(1)
    assert client.conversation_list(allow_stale=True).stale is False  # cached again


def test_with_nothing_cached_an_outage_raises_even_when_stale_is_allowed(sim, settings):
    settings.FLOWNALLY_RETRIES = 0
    settings.FLOWNALLY_API_URL = closed_port_url()
    with pytest.raises(Unavailable):
        client.conversation_list(allow_stale=True)
