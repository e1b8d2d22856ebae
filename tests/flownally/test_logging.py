"""What the client logs per upstream attempt (logger "dashboard.flownally", INFO): the
method and path template, the status, the duration and Flownally's request id. Never the
token, never a body."""

from __future__ import annotations

import logging
import re

import pytest

from dashboard.flownally import client
from dashboard.flownally.errors import Unavailable
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.simulator import closed_port_url

CID = REFERENCE_CONVERSATION_ID
LOGGER = "dashboard.flownally"
DURATION = re.compile(r"\bin \d+(\.\d+)? ms\b")


@pytest.fixture(autouse=True)
def _client_on_simulator(flownally, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)


def client_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


def everything_logged(caplog) -> str:
    """Every record's message and every attribute value, as one text to search."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.extend(repr(value) for value in record.__dict__.values())
    return "\n".join(parts)


# --- one record per attempt ----------------------------------------------------------------


def test_an_upstream_read_logs_one_record_with_route_template_status_duration_and_request_id(
    sim, upstream, caplog
):
    client.conversation_get(CID)

    [record] = client_records(caplog)
    [served] = upstream.requests("GET /conversations/{id}")
    message = record.getMessage()
    assert record.levelno == logging.INFO
    assert "GET /conversations/{id}" in message
    assert CID not in message
    assert " 200 " in f"{message} "
    assert DURATION.search(message), message
    assert served["requestId"] in message
    details = record.flownally
    assert details["route"] == "GET /conversations/{id}"
    assert details["status"] == 200
    assert details["request_id"] == served["requestId"]
    assert isinstance(details["duration_ms"], float) and details["duration_ms"] >= 0
    assert details["attempt"] == 1


def test_no_record_carries_a_concrete_id_where_the_route_belongs(sim, caplog):
    message_id = sim.api("GET", f"/conversations/{CID}/messages").json()["messages"][0]["id"]
    client.conversation_messages(CID)
    client.conversation_read(CID, message_id)
    client.message_get(message_id)

    routes = [r.flownally["route"] for r in client_records(caplog)]
    assert routes == [
        "GET /conversations/{id}/messages",
        "POST /conversations/{id}/read",
        "GET /messages/{id}",
    ]
    for record in client_records(caplog):
        assert CID not in record.getMessage()
        assert message_id not in record.getMessage()


def test_a_cached_read_logs_nothing(sim, caplog):
    client.conversation_get(CID)
    client.conversation_get(CID)
    assert len(client_records(caplog)) == 1


def test_retries_log_one_record_per_attempt_each_with_its_own_request_id(
    sim, upstream, settings, caplog
):
    settings.FLOWNALLY_RETRIES = 2
    path = f"/v1/conversations/{CID}"
    sim.add_fault(kind="error", status=503, retryAfter=0, times=2, path=f"^{path}$")

    client.conversation_get(CID)

    records = client_records(caplog)
    served = upstream.to_path(path)
    assert [entry["status"] for entry in served] == [503, 503, 200]
    assert [r.flownally["status"] for r in records] == [503, 503, 200]
    assert [r.flownally["attempt"] for r in records] == [1, 2, 3]
    assert [r.flownally["request_id"] for r in records] == [e["requestId"] for e in served]
    assert len({e["requestId"] for e in served}) == 3
    for record, entry in zip(records, served, strict=True):
        message = record.getMessage()
        assert "GET /conversations/{id}" in message
        assert entry["requestId"] in message
        assert str(entry["status"]) in message


def test_a_failed_request_that_is_not_retried_logs_its_status_once(sim, upstream, settings, caplog):
    settings.FLOWNALLY_RETRIES = 0
    sim.add_fault(kind="error", status=503, retryAfter=0, path="^/v1/conversations$")

    with pytest.raises(Unavailable):
        client.conversation_list()

    [record] = client_records(caplog)
    [served] = upstream.requests()
    assert record.flownally["status"] == 503
    assert record.flownally["request_id"] == served["requestId"]
    assert "GET /conversations -> 503" in record.getMessage()


def test_a_connection_that_fails_logs_no_answer_for_each_attempt(settings, caplog):
    settings.FLOWNALLY_RETRIES = 1
    settings.FLOWNALLY_API_URL = closed_port_url()

    with pytest.raises(Unavailable):
        client.conversation_get(CID)

    records = client_records(caplog)
    assert len(records) == 2
    for attempt, record in enumerate(records, start=1):
        assert "GET /conversations/{id}" in record.getMessage()
        assert "no answer" in record.getMessage()
        assert record.flownally["status"] == 0
        assert record.flownally["request_id"] is None
        assert record.flownally["attempt"] == attempt


# --- never the token, never a body ---------------------------------------------------------


def test_no_record_contains_the_token_or_a_message_body_that_was_sent(sim, settings, caplog):
    token = settings.FLOWNALLY_API_TOKEN
    assert token == "sim-token"  # the simulator accepts only its own tokens
    body = "Zażółć gęślą jaźń: parcel 8841-QX is at the Wrocław depot"
    path = f"/v1/conversations/{CID}"

    client.conversation_message_send(CID, client.text(body))
    sent = client.message_send(client.to_conversation(CID), client.text(body + " (again)"))
    client.conversation_messages(CID)
    client.message_get(sent.message.id)
    sim.add_fault(kind="error", status=503, retryAfter=0, times=1, path=path)
    client.conversation_get(CID)  # one retried 503
    settings.FLOWNALLY_RETRIES = 0
    settings.FLOWNALLY_API_URL = closed_port_url()
    with pytest.raises(Unavailable):
        client.conversation_message_send(CID, client.text(body))

    assert len(client_records(caplog)) == 7
    logged = everything_logged(caplog)
    assert token not in logged
    assert "Bearer" not in logged
    assert body not in logged
    assert "8841-QX" not in logged
