"""`client.fan_out`: independent calls run at the same time, results in order, and an error
is raised only after every call has finished. Overlap is read from the simulator's request
log (each request's wall-clock start and end), not from timing the test."""

from __future__ import annotations

import threading

import pytest

from dashboard.flownally import client
from dashboard.flownally.errors import NotFound, Unavailable
from dashboard.flownally.models import ConversationDetails, Inbox, Message, User
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

CID = REFERENCE_CONVERSATION_ID
ROUTES = {
    "GET /conversations/{id}",
    "GET /conversations/{id}/messages",
    "GET /users",
    "GET /inboxes",
}


@pytest.fixture(autouse=True)
def _client_on_simulator(flownally):
    """The shared `flownally` set-up, with every answer 200 ms late: long enough that calls
    made one after another could not overlap."""
    flownally.control("POST", "config", {"latencyMs": 200})


def all_started_before_any_ended(entries: list[dict]) -> bool:
    return max(e["startedAt"] for e in entries) < min(e["endedAt"] for e in entries)


def test_four_different_reads_run_at_the_same_time(sim, upstream):
    client.fan_out(
        lambda: client.conversation_get(CID),
        lambda: client.conversation_messages(CID),
        client.user_list,
        client.inbox_list,
    )

    log = upstream.requests()
    assert sorted(entry["route"] for entry in log) == sorted(ROUTES)
    assert all(entry["status"] == 200 for entry in log)
    assert all_started_before_any_ended(log), log


def test_results_come_back_in_the_order_of_the_calls_not_of_their_answers(sim, upstream):
    # The first call is answered last: 300 ms more than the others.
    sim.add_fault(kind="latency", delayMs=300, path=f"^/v1/conversations/{CID}$")

    details, messages, users, inboxes = client.fan_out(
        lambda: client.conversation_get(CID),
        lambda: client.conversation_messages(CID),
        client.user_list,
        client.inbox_list,
    )

    assert isinstance(details, ConversationDetails) and details.id == CID
    assert messages.items and all(isinstance(m, Message) for m in messages.items)
    assert all(m.conversation_id == CID for m in messages.items)
    assert users.items and all(isinstance(u, User) for u in users.items)
    assert inboxes.items and all(isinstance(i, Inbox) for i in inboxes.items)
    last = max(upstream.requests(), key=lambda entry: entry["endedAt"])
    assert last["route"] == "GET /conversations/{id}"


def test_the_same_calls_in_another_order_give_their_results_in_that_order(sim):
    inboxes, users, details = client.fan_out(
        client.inbox_list, client.user_list, lambda: client.conversation_get(CID)
    )
    assert isinstance(inboxes.items[0], Inbox)
    assert isinstance(users.items[0], User)
    assert details.id == CID


def test_plain_values_and_more_calls_than_workers_keep_their_order(sim, settings):
    calls = [lambda n=n: n * n for n in range(3 * settings.FLOWNALLY_FANOUT_WORKERS)]
    assert client.fan_out(*calls) == [n * n for n in range(len(calls))]


def test_an_error_in_one_call_is_raised_after_the_other_calls_finished(sim, upstream, settings):
    """The failing call fails at once (an injected 503 is answered before the simulator's
    latency, and not retried); the others take 200 ms each, and must be done when fan_out
    raises."""
    settings.FLOWNALLY_RETRIES = 0
    sim.add_fault(kind="error", status=503, retryAfter=0, path="^/v1/users$")
    finished: list[str] = []
    lock = threading.Lock()

    def tracked(name, call):
        def run():
            result = call()
            with lock:
                finished.append(name)
            return result

        return run

    with pytest.raises(Unavailable):
        client.fan_out(
            tracked("conversation", lambda: client.conversation_get(CID)),
            tracked("messages", lambda: client.conversation_messages(CID)),
            client.user_list,
            tracked("inboxes", client.inbox_list),
        )

    assert sorted(finished) == ["conversation", "inboxes", "messages"]
    log = upstream.requests()
    served = {entry["route"]: entry for entry in log if entry["status"] == 200}
    assert set(served) == ROUTES - {"GET /users"}
    [failed] = [entry for entry in log if entry["status"] == 503]
    assert failed["path"] == "/v1/users"
    # The failure came back first, while the others were still running.
    assert failed["endedAt"] < min(entry["endedAt"] for entry in served.values())


def test_the_first_error_in_call_order_is_the_one_raised(sim):
    with pytest.raises(NotFound, match="not-an-id"):
        client.fan_out(
            client.inbox_list,
            lambda: client.conversation_get("not-an-id"),
            lambda: client.conversation_get("cnv_"),
        )


def test_fan_out_of_no_calls_returns_an_empty_list(sim, upstream):
    assert client.fan_out() == []
    assert upstream.requests() == []
