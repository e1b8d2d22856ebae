"""Bearer tokens, scopes, and the error answers for routes that do not exist.

The contract: every non-2xx answer is `{"error": {"code", "message", "requestId", …}}`
with `requestId` equal to the `X-Request-Id` header; 401 `unauthenticated` carries
`WWW-Authenticate: Bearer`; a token without the endpoint's scope gets 403
`insufficient_scope` whose message names the missing scope.
"""

from __future__ import annotations

import pytest

from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, REFERENCE_MESSAGE_ID, sample_png
from tests.support.simulator import READ_ONLY_TOKEN, TOKEN

TEXT = {"type": "text", "text": {"body": "Hello from the tests"}}


def assert_error(response, status: int, code: str) -> dict:
    """The contract's error body, with its requestId equal to the X-Request-Id header."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["requestId"] == response.headers["X-Request-Id"]
    assert error["requestId"].startswith("req_")
    return error


def assert_unauthenticated(response) -> None:
    error = assert_error(response, 401, "unauthenticated")
    assert "details" not in error
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def active_user_id(sim) -> str:
    users = sim.api("GET", "/users", params={"pageSize": 100}).json()["users"]
    return next(user["id"] for user in users if user["active"])


# --- 401 -----------------------------------------------------------------------------------


def test_it_refuses_a_missing_token(sim):
    assert_unauthenticated(sim.api("GET", "/conversations", token=None))


def test_it_refuses_an_unknown_token(sim):
    assert_unauthenticated(sim.api("GET", "/conversations", token="not-a-real-token"))


def test_it_refuses_an_empty_bearer_token(sim):
    response = sim.api("GET", "/conversations", token=None, headers={"Authorization": "Bearer "})
    assert_unauthenticated(response)


@pytest.mark.parametrize("scheme", ["Basic", "Token", "Bearer:", "Bearerx"])
def test_it_refuses_a_valid_token_sent_with_another_scheme(sim, scheme):
    response = sim.api(
        "GET", "/conversations", token=None, headers={"Authorization": f"{scheme} {TOKEN}"}
    )
    assert_unauthenticated(response)


def test_it_refuses_a_token_without_a_scheme(sim):
    response = sim.api("GET", "/conversations", token=None, headers={"Authorization": TOKEN})
    assert_unauthenticated(response)


def test_it_refuses_a_missing_token_on_a_post_too(sim):
    response = sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close", token=None)
    assert_unauthenticated(response)
    details = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
    assert details["status"] == "open"


def test_it_gives_each_refusal_its_own_request_id(sim):
    first = sim.api("GET", "/conversations", token=None)
    second = sim.api("GET", "/conversations", token=None)
    assert first.json()["error"]["requestId"] != second.json()["error"]["requestId"]


def test_it_sends_a_request_id_header_on_success_too(sim):
    response = sim.api("GET", "/conversations")
    assert response.status_code == 200
    assert response.headers["X-Request-Id"].startswith("req_")


# --- the read-only token -------------------------------------------------------------------


def test_the_read_only_token_can_read_every_get_endpoint(sim):
    upload = sim.api(
        "POST", "/media/uploads", files={"file": ("pixel.png", sample_png(), "image/png")}
    )
    assert upload.status_code == 201, upload.text
    paths = [
        "/conversations",
        f"/conversations/{REFERENCE_CONVERSATION_ID}",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        f"/messages/{REFERENCE_MESSAGE_ID}",
        "/inboxes",
        "/users",
        upload.json()["url"],
    ]
    for path in paths:
        response = sim.api("GET", path, token=READ_ONLY_TOKEN)
        assert response.status_code == 200, (path, response.text)
    media = sim.api("GET", upload.json()["url"], token=READ_ONLY_TOKEN)
    assert media.content == sample_png()
    assert media.headers["Content-Type"] == "image/png"


def test_the_read_only_token_can_mark_a_conversation_read(sim):
    response = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/read",
        token=READ_ONLY_TOKEN,
        json={"lastMessageId": REFERENCE_MESSAGE_ID},
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == REFERENCE_CONVERSATION_ID


def _read_only_refusals(sim) -> list[tuple[str, str, dict, str]]:
    """(path, scope, request kwargs, label) for every endpoint the read-only token may not use."""
    conversation = f"/conversations/{REFERENCE_CONVERSATION_ID}"
    return [
        (
            "/messages",
            "message:create",
            {
                "json": {
                    "recipient": {
                        "type": "conversation",
                        "conversationId": REFERENCE_CONVERSATION_ID,
                    },
                    "content": TEXT,
                }
            },
            "send",
        ),
        (
            f"{conversation}/messages",
            "message:create",
            {"json": {"content": TEXT}},
            "send in conversation",
        ),
        (
            f"{conversation}/reassign",
            "conversation:assign",
            {"json": {"userId": active_user_id(sim)}},
            "reassign",
        ),
        (f"{conversation}/close", "conversation:close", {}, "close"),
        (
            f"/messages/{REFERENCE_MESSAGE_ID}/reactions",
            "message:create",
            {"json": {"emoji": "👍"}},
            "react",
        ),
        (
            "/media/uploads",
            "message:create",
            {"files": {"file": ("pixel.png", sample_png(), "image/png")}},
            "upload",
        ),
    ]


def test_the_read_only_token_gets_insufficient_scope_naming_the_scope_on_every_write(sim):
    for path, scope, kwargs, label in _read_only_refusals(sim):
        response = sim.api("POST", path, token=READ_ONLY_TOKEN, **kwargs)
        error = assert_error(response, 403, "insufficient_scope")
        assert scope in error["message"], (label, error["message"])
        assert "details" not in error


def test_the_read_only_token_changes_nothing_when_refused(sim):
    before = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
    messages_before = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()
    for path, _, kwargs, _ in _read_only_refusals(sim):
        sim.api("POST", path, token=READ_ONLY_TOKEN, **kwargs)
    assert sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json() == before
    assert (
        sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()
        == messages_before
    )


def test_the_full_token_may_do_what_the_read_only_token_may_not(sim):
    response = sim.api(
        "POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages", json={"content": TEXT}
    )
    assert response.status_code == 202, response.text


# --- routes and methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/conversation",
        "/conversations/cnv_01HV8Y7YF5J4Y7M9M7T3H3X2A1/x",
        "/inboxes/ibx_01HV8Y4QH7C8H1K5K0C8A2B9E4",
        "/",
    ],
)
def test_it_answers_an_unknown_route_with_not_found(sim, path):
    assert_error(sim.api("GET", path), 404, "not_found")


def test_it_answers_a_path_outside_the_api_version_with_not_found(sim):
    response = sim.session.get(
        f"{sim.root}/v2/conversations", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/conversations"),
        ("POST", "/conversations"),
        ("PUT", f"/conversations/{REFERENCE_CONVERSATION_ID}"),
        ("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/close"),
        ("GET", "/messages"),
        ("PATCH", f"/messages/{REFERENCE_MESSAGE_ID}"),
        ("POST", "/users"),
    ],
)
def test_it_answers_a_wrong_method_with_method_not_allowed(sim, method, path):
    assert_error(sim.api(method, path), 405, "method_not_allowed")
