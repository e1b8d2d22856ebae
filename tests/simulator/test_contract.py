"""The simulator against the OpenAPI contract: a walk through every operation and error,
each response validated by openapi-core, then schemathesis generating requests from the
contract itself."""

from __future__ import annotations

import pytest
from openapi_core.validation.response.exceptions import ResponseValidationError

from dashboard.simulator.seed import (
    HOSTILE_CONVERSATION_ID,
    REFERENCE_CONVERSATION_ID,
    REFERENCE_INBOX_ID,
    REFERENCE_MESSAGE_ID,
    REFERENCE_USER_ID,
    sample_png,
)
from tests.simulator.contract import SPEC_PATH, assert_conforms, spec_for
from tests.support.simulator import READ_ONLY_TOKEN


def _calls(sim):
    """(what, method, path, kwargs, expected status) for every operation and its errors."""
    text = {"content": {"type": "text", "text": {"body": "Checking now 👀"}}}
    anna = f"/conversations/{REFERENCE_CONVERSATION_ID}"
    return [
        (
            "list",
            "GET",
            "/conversations",
            {"params": {"pageSize": 3, "status": "open", "sort": "waitingSince:asc"}},
            200,
        ),
        ("list 422", "GET", "/conversations", {"params": {"pageSize": 0}}, 422),
        ("list bad token", "GET", "/conversations", {"params": {"pageToken": "garbage"}}, 422),
        ("get", "GET", anna, {}, 200),
        ("get 404", "GET", "/conversations/cnv_00000000000000000000000000", {}, 404),
        ("messages", "GET", f"{anna}/messages", {"params": {"pageSize": 2}}, 200),
        ("message", "GET", f"/messages/{REFERENCE_MESSAGE_ID}", {}, 200),
        ("message 404", "GET", "/messages/msg_00000000000000000000000000", {}, 404),
        ("send", "POST", f"{anna}/messages", {"json": text}, 202),
        ("send 422", "POST", f"{anna}/messages", {"json": {"content": {"type": "text"}}}, 422),
        (
            "send 400",
            "POST",
            f"{anna}/messages",
            {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
            400,
        ),
        (
            "send new",
            "POST",
            "/messages",
            {
                "json": {
                    "inboxId": REFERENCE_INBOX_ID,
                    "recipient": {
                        "type": "channel",
                        "channel": "whatsapp",
                        "externalId": "+48 600 700 800",
                    },
                    "content": {
                        "type": "template",
                        "template": {"name": "welcome_back", "language": "en"},
                    },
                }
            },
            202,
        ),
        ("send 403", "POST", "/messages", {"json": text, "token": READ_ONLY_TOKEN}, 403),
        ("send 401", "POST", "/messages", {"json": text, "token": "nope"}, 401),
        (
            "react",
            "POST",
            f"/messages/{REFERENCE_MESSAGE_ID}/reactions",
            {"json": {"emoji": "👍"}},
            200,
        ),
        (
            "react 422",
            "POST",
            f"/messages/{REFERENCE_MESSAGE_ID}/reactions",
            {"json": {"emoji": "not an emoji"}},
            422,
        ),
        ("reassign", "POST", f"{anna}/reassign", {"json": {"userId": REFERENCE_USER_ID}}, 204),
        (
            "reassign 422",
            "POST",
            f"{anna}/reassign",
            {"json": {"userId": "usr_00000000000000000000000000"}},
            422,
        ),
        ("read", "POST", f"{anna}/read", {"json": {"lastMessageId": REFERENCE_MESSAGE_ID}}, 200),
        ("close", "POST", f"/conversations/{HOSTILE_CONVERSATION_ID}/close", {}, 200),
        ("inboxes", "GET", "/inboxes", {"params": {"pageSize": 2}}, 200),
        ("users", "GET", "/users", {}, 200),
        (
            "upload",
            "POST",
            "/media/uploads",
            {"files": {"file": ("parcel.png", sample_png(), "image/png")}},
            201,
        ),
        (
            "upload 415",
            "POST",
            "/media/uploads",
            {"files": {"file": ("x.exe", b"MZ\x90\x00", "application/x-msdownload")}},
            415,
        ),
        (
            "idempotent",
            "POST",
            f"{anna}/messages",
            {"json": text, "headers": {"Idempotency-Key": "contract-1"}},
            202,
        ),
        (
            "idempotent replay",
            "POST",
            f"{anna}/messages",
            {"json": text, "headers": {"Idempotency-Key": "contract-1"}},
            202,
        ),
        (
            "idempotency 409",
            "POST",
            f"{anna}/messages",
            {
                "json": {"content": {"type": "text", "text": {"body": "other"}}},
                "headers": {"Idempotency-Key": "contract-1"},
            },
            409,
        ),
    ]


def test_every_operation_and_error_conforms_to_the_contract(sim):
    for what, method, path, kwargs, expected in _calls(sim):
        response = sim.api(method, path, **kwargs)
        assert response.status_code == expected, f"{what}: {response.status_code} {response.text}"
        assert_conforms(response, sim.base_url)


def test_media_download_conforms_to_the_contract(sim):
    uploaded = sim.api(
        "POST", "/media/uploads", files={"file": ("p.png", sample_png(), "image/png")}
    ).json()
    response = sim.api("GET", uploaded["url"])
    assert response.status_code == 200
    assert_conforms(response, sim.base_url)


def test_rate_limits_and_outages_conform_to_the_contract(sim):
    sim.add_fault(kind="rate_limit", times=1, retryAfter=3)
    sim.add_fault(kind="error", status=503, times=1)
    for expected in (429, 503):
        response = sim.api("GET", "/inboxes")
        assert response.status_code == expected
        assert_conforms(response, sim.base_url)


def test_the_checker_rejects_a_response_that_breaks_the_contract(sim):
    """Guards the tests above: a checker that accepts anything proves nothing."""
    sim.add_fault(kind="malformed", times=1)
    response = sim.api("GET", "/inboxes")
    with pytest.raises(ResponseValidationError):
        assert_conforms(response, sim.base_url)


def test_every_assumption_in_the_contract_says_what_it_assumes():
    import yaml

    def walk(node, path="$"):
        if isinstance(node, dict):
            if node.get("x-assumption") is True:
                yield path, node
            for key, value in node.items():
                yield from walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for n, value in enumerate(node):
                yield from walk(value, f"{path}/{n}")

    assumptions = list(walk(yaml.safe_load(SPEC_PATH.read_text())))
    assert len(assumptions) > 50
    for path, node in assumptions:
        assert str(node.get("description", "")).startswith("ASSUMPTION:"), path
    spec_for("http://example.invalid/v1")  # the document itself loads and validates as OpenAPI 3.1
