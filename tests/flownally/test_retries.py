"""Retries against the real simulator: which failures are retried, how often, and that a
retried POST keeps its Idempotency-Key so that it happens once."""

from __future__ import annotations

import re

import pytest

from dashboard.flownally import client
from dashboard.flownally.errors import RateLimited, Unavailable, ValidationFailed
from dashboard.simulator.seed import (
    HOSTILE_CONVERSATION_ID,
    REFERENCE_CONVERSATION_ID,
    REFERENCE_MESSAGE_ID,
    sample_png,
)

REF = REFERENCE_CONVERSATION_ID
LIST = "/conversations"
REPLY = f"/conversations/{REF}/messages"
KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,255}")


@pytest.fixture
def flownally(flownally, no_cache, settings):
    """The shared `flownally`, every read reaching the simulator, default retries."""
    settings.FLOWNALLY_RETRIES = 2
    settings.FLOWNALLY_RETRY_CAP = 2.0
    return flownally


def remaining_times(sim) -> list[int | None]:
    return [rule["times"] for rule in sim.control("GET", "faults")["faults"]]


def message_ids(sim, conversation_id: str = REF) -> list[str]:
    response = sim.api(
        "GET", f"/conversations/{conversation_id}/messages", params={"pageSize": 100}
    )
    return [m["id"] for m in response.json()["messages"]]


# --- GET -----------------------------------------------------------------------------------


@pytest.mark.slow  # waits out Retry-After: 1 s of each injected 503 before retrying (~2 s)
def test_a_get_that_meets_two_503s_is_retried_until_it_succeeds(flownally):
    flownally.add_fault(kind="error", exact_path=LIST, status=503, times=2, method="GET")
    page = client.conversation_list(page_size=5)
    assert len(page.items) == 5
    attempts = flownally.logged(3, "GET", LIST)
    assert [e["status"] for e in attempts] == [503, 503, 200]
    assert [e["fault"] for e in attempts] == ["error", "error", None]
    assert remaining_times(flownally) == []


@pytest.mark.slow  # waits out Retry-After: 1 s of each injected 503 before retrying (~2 s)
def test_a_get_that_keeps_meeting_503s_is_unavailable_after_exactly_three_requests(flownally):
    flownally.add_fault(kind="error", exact_path=LIST, status=503, times=5, method="GET")
    with pytest.raises(Unavailable) as raised:
        client.conversation_list()
    assert raised.value.status == 503
    assert remaining_times(flownally) == [2], "the fault should have fired exactly 3 times"
    assert [e["status"] for e in flownally.logged(3, "GET", LIST)] == [503, 503, 503]


@pytest.mark.slow  # waits out Retry-After: 1 s of each injected 503 before retrying (~4 s)
def test_the_number_of_retries_follows_the_setting(flownally, settings):
    settings.FLOWNALLY_RETRIES = 4
    flownally.add_fault(kind="error", exact_path=LIST, status=503, times=10, method="GET")
    with pytest.raises(Unavailable):
        client.conversation_list()
    assert remaining_times(flownally) == [5]
    assert len(flownally.logged(5, "GET", LIST)) == 5


def test_no_retries_means_one_request(flownally, settings):
    settings.FLOWNALLY_RETRIES = 0
    flownally.add_fault(kind="error", exact_path=LIST, status=503, times=3, method="GET")
    with pytest.raises(Unavailable):
        client.conversation_list()
    assert remaining_times(flownally) == [2]


def test_a_500_is_retried_like_a_503(flownally):
    flownally.add_fault(kind="error", exact_path=LIST, status=500, times=1, method="GET")
    assert client.conversation_list(page_size=1).items
    assert [e["status"] for e in flownally.logged(2, "GET", LIST)] == [500, 200]


def test_a_429_with_retry_after_0_is_retried(flownally):
    flownally.add_fault(kind="rate_limit", exact_path=LIST, retryAfter=0, times=1)
    assert client.conversation_list(page_size=1).items
    assert [e["status"] for e in flownally.logged(2, "GET", LIST)] == [429, 200]


def test_a_429_with_retry_after_within_the_cap_is_waited_out_and_retried(flownally):
    flownally.add_fault(kind="rate_limit", exact_path=LIST, retryAfter=1, times=1)
    assert client.conversation_list(page_size=1).items
    assert [e["status"] for e in flownally.logged(2, "GET", LIST)] == [429, 200]


def test_a_429_that_lasts_beyond_the_retries_is_rate_limited(flownally):
    flownally.add_fault(kind="rate_limit", exact_path=LIST, retryAfter=0, times=5)
    with pytest.raises(RateLimited):
        client.conversation_list()
    assert remaining_times(flownally) == [2]


def test_a_dropped_connection_on_a_get_is_retried(flownally):
    flownally.add_fault(kind="disconnect", exact_path=LIST, times=1)
    assert client.conversation_list(page_size=1).items
    assert [e["fault"] for e in flownally.logged(2, "GET", LIST)] == ["disconnect", None]


def test_a_get_that_gets_no_answer_in_time_is_retried(flownally, settings):
    settings.FLOWNALLY_READ_TIMEOUT = 0.3
    flownally.add_fault(kind="timeout", exact_path="/inboxes", delayMs=1500, times=1)
    assert len(client.inbox_list().items) == 5
    assert remaining_times(flownally) == []


def test_a_422_is_never_retried(flownally):
    with pytest.raises(ValidationFailed):
        client.conversation_list(page_size=0)
    assert len(flownally.logged(1)) == 1


def test_an_injected_422_on_a_get_is_never_retried(flownally):
    flownally.add_fault(kind="error", exact_path=LIST, status=422, times=3)
    with pytest.raises(ValidationFailed):
        client.conversation_list()
    assert remaining_times(flownally) == [2]


def test_a_422_on_a_post_is_never_retried(flownally):
    with pytest.raises(ValidationFailed):
        client.conversation_message_send(REF, client.text(""))
    assert len(flownally.logged(1)) == 1


# --- POST ----------------------------------------------------------------------------------


def test_a_post_that_meets_a_503_is_retried_and_sends_once(flownally):
    before = message_ids(flownally)
    flownally.add_fault(kind="error", exact_path=REPLY, status=503, times=1, method="POST")
    sent = client.conversation_message_send(REF, client.text("Sent once"))
    attempts = flownally.logged(2, "POST", REPLY)
    assert [e["status"] for e in attempts] == [503, 202]
    # The simulator answers a fault before it reads the Idempotency-Key, so only the attempt
    # that got through shows its key; that the key stays the same across attempts is shown
    # by the tests below, where every attempt reaches the idempotency layer.
    assert KEY_FORMAT.fullmatch(attempts[-1]["idempotencyKey"] or "")
    assert message_ids(flownally) == [sent.message.id, *before]


def test_a_send_by_recipient_that_meets_a_503_is_retried_and_sends_once(flownally):
    before = message_ids(flownally)
    flownally.add_fault(kind="error", exact_path="/messages", status=503, times=1, method="POST")
    sent = client.message_send(client.to_conversation(REF), client.text("Also once"))
    assert [e["status"] for e in flownally.logged(2, "POST", "/messages")] == [503, 202]
    assert message_ids(flownally) == [sent.message.id, *before]


def test_a_retried_post_carries_the_callers_idempotency_key(flownally):
    flownally.add_fault(kind="error", exact_path=REPLY, status=503, times=1, method="POST")
    client.conversation_message_send(REF, client.text("Keyed"), idempotency_key="reply-42")
    attempts = flownally.logged(2, "POST", REPLY)
    assert attempts[-1]["idempotencyKey"] == "reply-42"
    assert [e["status"] for e in attempts] == [503, 202]


def test_a_post_whose_first_attempt_times_out_is_retried_with_the_same_key_and_sends_once(
    flownally, settings
):
    settings.FLOWNALLY_READ_TIMEOUT = 0.5
    before = message_ids(flownally)
    # The first attempt is held a second inside the simulator: the client gives up on it,
    # but the simulator still carries it out. The retry meets it (409 in progress, with
    # Retry-After) or its stored answer (a replay), never a second send.
    flownally.add_fault(kind="latency", exact_path=REPLY, delayMs=1000, times=1, method="POST")
    sent = client.conversation_message_send(REF, client.text("Exactly once"))
    after = message_ids(flownally)
    assert after == [sent.message.id, *before], "the message must exist exactly once"
    attempts = flownally.logged(2, "POST", REPLY)
    assert len(attempts) >= 2
    keys = {e["idempotencyKey"] for e in attempts}
    assert len(keys) == 1 and KEY_FORMAT.fullmatch(keys.pop())
    assert attempts[-1]["status"] == 202
    assert attempts[-1]["replayed"] is True


def test_a_callers_idempotency_key_used_twice_sends_once(flownally):
    before = message_ids(flownally)
    first = client.message_send(
        client.to_conversation(REF), client.text("Double click"), idempotency_key="click-1"
    )
    second = client.message_send(
        client.to_conversation(REF), client.text("Double click"), idempotency_key="click-1"
    )
    assert second.message.id == first.message.id
    assert second.conversation.id == first.conversation.id
    assert message_ids(flownally) == [first.message.id, *before]
    attempts = flownally.logged(2, "POST", "/messages")
    assert [e["idempotencyKey"] for e in attempts] == ["click-1", "click-1"]
    assert [e["replayed"] for e in attempts] == [False, True]


def test_a_reaction_sent_twice_with_one_key_is_one_reaction(flownally):
    first = client.message_react(REFERENCE_MESSAGE_ID, "👍", idempotency_key="react-1")
    second = client.message_react(REFERENCE_MESSAGE_ID, "👍", idempotency_key="react-1")
    assert second == first


def test_posts_without_a_key_from_the_caller_are_separate_sends(flownally):
    before = message_ids(flownally)
    first = client.conversation_message_send(REF, client.text("Twice on purpose"))
    second = client.conversation_message_send(REF, client.text("Twice on purpose"))
    assert first.message.id != second.message.id
    assert message_ids(flownally) == [second.message.id, first.message.id, *before]


def test_every_post_carries_an_idempotency_key_even_when_the_caller_gives_none(flownally):
    newest = message_ids(flownally)[0]
    upload = client.media_upload("parcel.png", "image/png", sample_png())
    client.message_send(client.to_conversation(REF), client.text("one"))
    client.conversation_message_send(REF, client.media(upload.media_id))
    client.message_react(REFERENCE_MESSAGE_ID, "👍")
    client.conversation_read(REF, newest)
    client.conversation_reassign(HOSTILE_CONVERSATION_ID, "usr_01HV8Y3K2R6G7K3F5B9N8M1Q0")
    client.conversation_close(REF)
    posts = flownally.logged(7, "POST")
    assert len(posts) == 7
    keys = [e["idempotencyKey"] for e in posts]
    assert all(key and KEY_FORMAT.fullmatch(key) for key in keys), keys
    assert len(set(keys)) == 7, "each call gets a key of its own"
