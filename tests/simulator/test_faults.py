"""Faults injected through POST /_sim/faults, and the request log at /_sim/requests."""

from __future__ import annotations

import json

import pytest
import requests

from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.simulator import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONVERSATIONS_ONLY = "^/v1/conversations$"


def faults(sim) -> list[dict]:
    return sim.control("GET", "faults")["faults"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["requestId"] == response.headers["X-Request-Id"]
    return error


# --- error ---------------------------------------------------------------------------------


def test_an_error_fault_fails_the_matching_requests_times_times_then_lets_them_through(sim):
    sim.add_fault(kind="error", status=503, times=2, path=CONVERSATIONS_ONLY)
    for _ in range(2):
        error = assert_error(sim.api("GET", "/conversations"), 503, "unavailable")
        assert "details" not in error
    assert sim.api("GET", "/conversations").status_code == 200
    assert faults(sim) == []


def test_an_error_fault_leaves_other_paths_alone(sim):
    sim.add_fault(kind="error", status=503, times=2, path=CONVERSATIONS_ONLY)
    assert sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").status_code == 200
    assert sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").status_code == 200
    assert sim.api("GET", "/inboxes").status_code == 200
    assert faults(sim)[0]["times"] == 2, "requests that did not match used the rule up"
    assert sim.api("GET", "/conversations").status_code == 503


def test_a_fault_counts_down_its_remaining_times(sim):
    sim.add_fault(kind="error", status=503, times=3, path=CONVERSATIONS_ONLY)
    sim.api("GET", "/conversations")
    assert faults(sim)[0]["times"] == 2


def test_a_fault_without_times_fires_until_cleared(sim):
    sim.add_fault(kind="error", status=500, path=CONVERSATIONS_ONLY)
    for _ in range(5):
        assert_error(sim.api("GET", "/conversations"), 500, "internal_error")
    assert sim.control("DELETE", "faults") == {"faults": []}
    assert faults(sim) == []
    assert sim.api("GET", "/conversations").status_code == 200


def test_a_method_filter_fires_only_for_that_method(sim):
    sim.add_fault(
        kind="error",
        status=503,
        method="post",
        path=f"^/v1/conversations/{REFERENCE_CONVERSATION_ID}",
    )
    assert sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").status_code == 200
    assert_error(
        sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close"), 503, "unavailable"
    )
    details = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
    assert details["status"] == "open", "the failed close was carried out anyway"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, "rate_limited"),
        (500, "internal_error"),
        (503, "unavailable"),
        (401, "unauthenticated"),
        (403, "insufficient_scope"),
        (404, "not_found"),
        (405, "method_not_allowed"),
        (413, "payload_too_large"),
        (415, "unsupported_media_type"),
    ],
)
def test_an_injected_error_carries_the_contract_code_for_its_status(sim, status, code):
    sim.add_fault(kind="error", status=status, times=1, path=CONVERSATIONS_ONLY)
    response = sim.api("GET", "/conversations")
    assert_error(response, status, code)
    if status == 429:
        assert int(response.headers["Retry-After"]) >= 0
    if status == 401:
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_fault_rule_is_refused_when_it_is_not_valid(sim):
    for rule in (
        {"kind": "explode"},
        {"kind": "error", "path": "("},
        {"kind": "error", "status": 200},
    ):
        response = sim.session.post(f"{sim.root}/_sim/faults", json=rule, timeout=10)
        assert response.status_code == 422, (rule, response.text)
    assert faults(sim) == []


def test_a_reset_clears_the_faults(sim):
    sim.add_fault(kind="error", status=503, path=CONVERSATIONS_ONLY)
    sim.reset()
    assert faults(sim) == []
    assert sim.api("GET", "/conversations").status_code == 200


# --- rate limit, malformed -----------------------------------------------------------------


def test_a_rate_limit_fault_answers_429_with_retry_after(sim):
    sim.add_fault(kind="rate_limit", retryAfter=7, times=1, path=CONVERSATIONS_ONLY)
    response = sim.api("GET", "/conversations")
    assert_error(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "7"
    assert sim.api("GET", "/conversations").status_code == 200


def test_a_rate_limit_fault_without_retry_after_still_sends_the_header(sim):
    sim.add_fault(kind="rate_limit", times=1, path=CONVERSATIONS_ONLY)
    response = sim.api("GET", "/conversations")
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 0


def test_a_malformed_fault_answers_200_with_a_body_that_is_not_json(sim):
    sim.add_fault(kind="malformed", times=1, path=CONVERSATIONS_ONLY)
    response = sim.api("GET", "/conversations")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert sim.api("GET", "/conversations").json()["conversations"]


# --- timeout, disconnect, latency ----------------------------------------------------------


def test_a_timeout_fault_holds_the_request_longer_than_the_client_waits(sim):
    sim.add_fault(kind="timeout", delayMs=1500, times=1, path="^/v1/inboxes$")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{sim.base_url}/inboxes", headers=AUTH, timeout=0.3)
    held = sim.logged(1, fault="timeout", timeout=10)
    assert len(held) == 1
    # It answered normally once the hold was over (the client had gone by then).
    assert held[0]["status"] == 200
    assert held[0]["durationMs"] >= 1500
    assert sim.api("GET", "/inboxes").status_code == 200


def test_a_disconnect_fault_closes_the_connection_without_an_answer(sim):
    sim.add_fault(kind="disconnect", times=1, path=CONVERSATIONS_ONLY)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{sim.base_url}/conversations", headers=AUTH, timeout=5)
    assert sim.api("GET", "/conversations").status_code == 200
    assert sim.request_log()[0]["fault"] == "disconnect"


def test_a_latency_fault_delays_the_answer_by_at_least_its_delay(sim):
    sim.add_fault(kind="latency", delayMs=250, times=1, path="^/v1/inboxes$")
    assert sim.api("GET", "/inboxes").status_code == 200
    assert sim.api("GET", "/users").status_code == 200
    delayed, other = sim.request_log()
    assert delayed["fault"] == "latency"
    assert delayed["durationMs"] >= 250
    assert other["fault"] is None


def test_a_fault_with_probability_zero_never_fires(sim):
    sim.add_fault(kind="error", status=503, probability=0, path=CONVERSATIONS_ONLY)
    for _ in range(25):
        assert sim.api("GET", "/conversations", params={"pageSize": 1}).status_code == 200
    assert len(faults(sim)) == 1


# --- the request log -----------------------------------------------------------------------


def test_the_request_log_records_each_api_request(sim):
    sim.control("DELETE", "requests")
    unknown = "cnv_" + "0" * 26
    responses = [
        (
            "GET",
            "/conversations",
            "GET /conversations",
            sim.api("GET", "/conversations", params={"pageSize": 5}),
        ),
        (
            "GET",
            f"/conversations/{REFERENCE_CONVERSATION_ID}",
            "GET /conversations/{id}",
            sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}"),
        ),
        (
            "GET",
            f"/conversations/{unknown}",
            "GET /conversations/{id}",
            sim.api("GET", f"/conversations/{unknown}"),
        ),
        (
            "POST",
            f"/conversations/{REFERENCE_CONVERSATION_ID}/close",
            "POST /conversations/{id}/close",
            sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close"),
        ),
    ]
    log = sim.request_log()
    assert len(log) == len(responses)
    for entry, (method, path, route, response) in zip(log, responses, strict=True):
        assert entry["method"] == method
        assert entry["path"].endswith(path)
        assert entry["route"] == route
        assert entry["status"] == response.status_code
        assert entry["requestId"] == response.headers["X-Request-Id"]
        assert entry["startedAt"] <= entry["endedAt"]
        assert entry["durationMs"] >= 0
        assert entry["fault"] is None
    assert [entry["status"] for entry in log] == [200, 200, 404, 200]
    assert "pageSize=5" in log[0]["query"]
    seqs = [entry["seq"] for entry in log]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_the_request_log_does_not_record_control_requests(sim):
    sim.control("GET", "health")
    sim.advance(1)
    assert sim.request_log() == []


def test_the_request_log_filters_by_since(sim):
    for _ in range(3):
        sim.api("GET", "/inboxes")
    log = sim.request_log()
    later = sim.control("GET", f"requests?since={log[0]['seq']}")["requests"]
    assert [entry["seq"] for entry in later] == [entry["seq"] for entry in log[1:]]
    assert sim.control("GET", f"requests?since={log[-1]['seq']}")["requests"] == []


def test_the_request_log_filters_by_route(sim):
    sim.api("GET", "/conversations")
    sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}")
    sim.api("GET", "/inboxes")
    sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}")
    by_id = sim.request_log("GET /conversations/{id}")
    assert len(by_id) == 2
    assert all(entry["route"] == "GET /conversations/{id}" for entry in by_id)
    assert len(sim.request_log("GET /conversations")) == 1
    assert sim.request_log("POST /messages") == []


def test_deleting_the_request_log_clears_it(sim):
    sim.api("GET", "/inboxes")
    last = sim.request_log()[-1]["seq"]
    assert sim.control("DELETE", "requests") == {"requests": []}
    assert sim.request_log() == []
    sim.api("GET", "/users")
    (entry,) = sim.request_log()
    assert entry["route"] == "GET /users"
    assert entry["seq"] > last


def test_the_request_log_records_refused_requests_too(sim):
    sim.api("GET", "/conversations", token=None)
    sim.api("GET", "/conversations", params={"pageSize": 0})
    sim.add_fault(kind="error", status=503, times=1, path=CONVERSATIONS_ONLY)
    sim.api("GET", "/conversations")
    log = sim.request_log()
    assert [entry["status"] for entry in log] == [401, 422, 503]
    assert [entry["fault"] for entry in log] == [None, None, "error"]
