"""Bodies of the wrong types anywhere get a 4xx in the contract's shape, never a 500."""

from __future__ import annotations

import pytest

from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, REFERENCE_MESSAGE_ID

WEIRD = [[], {}, 0, 1.5, True, None, "", "x" * 10_000, ["text"], {"a": 1}]


@pytest.mark.parametrize("value", WEIRD, ids=repr)
def test_any_json_value_in_any_field_is_refused_cleanly(sim, value):
    requests = [
        (
            "/messages",
            {
                "recipient": {"type": value, "conversationId": value},
                "content": {"type": "text", "text": {"body": "hi"}},
            },
        ),
        ("/messages", {"recipient": value, "content": value, "inboxId": value}),
        (
            f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
            {"content": {"type": value, "text": value}},
        ),
        (
            f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
            {
                "content": {
                    "type": "template",
                    "template": {"name": value, "language": value, "parameters": value},
                }
            },
        ),
        (
            f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
            {"content": {"type": "media", "media": {"mediaId": value, "caption": value}}},
        ),
        (f"/messages/{REFERENCE_MESSAGE_ID}/reactions", {"emoji": value, "removed": value}),
        (f"/conversations/{REFERENCE_CONVERSATION_ID}/reassign", {"userId": value}),
        (f"/conversations/{REFERENCE_CONVERSATION_ID}/read", {"lastMessageId": value}),
    ]
    for path, body in requests:
        response = sim.api("POST", path, json=body)
        assert 400 <= response.status_code < 500, (path, body, response.text)
        assert response.json()["error"]["code"] in ("validation_failed", "invalid_json")


@pytest.mark.parametrize("raw", [b"[]", b"null", b'"text"', b"{", b"\xff\xfe", b'{"a": NaN}' * 3])
def test_a_body_that_is_not_a_json_object_is_a_400(sim, raw):
    response = sim.api("POST", "/messages", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
