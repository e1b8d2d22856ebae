"""Reactions on messages: POST /messages/{id}/reactions adds, replaces and removes the
caller's one reaction per message (docs/contract-decisions.md, "Reactions")."""

from __future__ import annotations

import re

import pytest

from dashboard.simulator.seed import (
    HOSTILE_CONVERSATION_ID,
    REFERENCE_CONVERSATION_ID,
    REFERENCE_MESSAGE_ID,
    REFERENCE_USER_ID,
)

UNKNOWN_MESSAGE_ID = "msg_00000000000000000000000000"
REACTION_FIELDS = {"id", "messageId", "senderType", "senderId", "emoji", "createdAt"}


def _react(sim, message_id: str, body: dict):
    return sim.api("POST", f"/messages/{message_id}/reactions", json=body)


def _reactions_on(sim, message_id: str) -> list[dict]:
    response = sim.api("GET", f"/messages/{message_id}")
    assert response.status_code == 200, response.text
    return response.json()["message"]["reactions"]


def _details(response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"]
    return [(d["field"], d["code"]) for d in error["details"]]


def _a_message_on(sim, channel: str) -> str:
    token = ""
    for _ in range(100):
        page = sim.api("GET", "/conversations", params={"pageSize": 100, "pageToken": token}).json()
        for conversation in page["conversations"]:
            if conversation["channel"] == channel:
                messages = sim.api("GET", f"/conversations/{conversation['id']}/messages").json()[
                    "messages"
                ]
                if messages:
                    return messages[0]["id"]
        token = page.get("nextPageToken")
        if not token:
            break
    raise AssertionError(f"seed 7 has no {channel} conversation with messages")


def test_adding_a_unicode_emoji_answers_with_the_reaction(sim):
    now = sim.control("GET", "clock")["now"]
    response = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "👍"})
    assert response.status_code == 200, response.text
    reaction = response.json()["reaction"]
    assert set(reaction) >= REACTION_FIELDS
    assert re.fullmatch(r"rxn_[0-9A-Za-z]{10,64}", reaction["id"])
    assert reaction["messageId"] == REFERENCE_MESSAGE_ID
    assert reaction["senderType"] == "user"
    assert reaction["senderId"] == REFERENCE_USER_ID
    assert reaction["emoji"] == "👍"
    assert reaction["createdAt"] == now


def test_the_references_shortcode_string_is_accepted_as_an_emoji(sim):
    response = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "string"})
    assert response.status_code == 200, response.text
    assert response.json()["reaction"]["emoji"] == "string"
    assert [r["emoji"] for r in _reactions_on(sim, REFERENCE_MESSAGE_ID)] == ["string"]


def test_an_emoji_with_modifiers_and_joiners_is_accepted(sim):
    for emoji in ("👍🏽", "❤️", "👨‍👩‍👧"):
        response = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": emoji})
        assert response.status_code == 200, (emoji, response.text)
        assert response.json()["reaction"]["emoji"] == emoji


def test_an_added_reaction_shows_in_the_messages_reactions(sim):
    reaction = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "🎉"}).json()["reaction"]
    shown = _reactions_on(sim, REFERENCE_MESSAGE_ID)
    assert len(shown) == 1
    assert {k: shown[0][k] for k in REACTION_FIELDS} == {k: reaction[k] for k in REACTION_FIELDS}
    listed = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()[
        "messages"
    ]
    in_history = next(m for m in listed if m["id"] == REFERENCE_MESSAGE_ID)
    assert [r["id"] for r in in_history["reactions"]] == [reaction["id"]]


def test_a_second_emoji_from_the_same_sender_replaces_the_first(sim):
    assert _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "👍"}).status_code == 200
    sim.advance(5)
    second = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "❤️"})
    assert second.status_code == 200, second.text
    shown = _reactions_on(sim, REFERENCE_MESSAGE_ID)
    assert [(r["emoji"], r["senderId"]) for r in shown] == [("❤️", REFERENCE_USER_ID)]


def test_adding_the_same_emoji_twice_keeps_one_reaction(sim):
    first = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "👍"}).json()["reaction"]
    again = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "👍"})
    assert again.status_code == 200, again.text
    shown = _reactions_on(sim, REFERENCE_MESSAGE_ID)
    assert [r["id"] for r in shown] == [first["id"]]


def test_removed_true_removes_the_reaction(sim):
    assert _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "👍", "removed": False}).status_code == 200
    assert len(_reactions_on(sim, REFERENCE_MESSAGE_ID)) == 1
    response = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "👍", "removed": True})
    assert response.status_code == 200, response.text
    assert response.json()["reaction"]["emoji"] == "👍"
    assert response.json()["reaction"]["messageId"] == REFERENCE_MESSAGE_ID
    assert _reactions_on(sim, REFERENCE_MESSAGE_ID) == []


def test_removing_a_reaction_that_is_not_there_succeeds(sim):
    for _ in range(2):
        response = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "🙈", "removed": True})
        assert response.status_code == 200, response.text
        assert set(response.json()["reaction"]) >= REACTION_FIELDS
    assert _reactions_on(sim, REFERENCE_MESSAGE_ID) == []


def test_reactions_work_on_a_webchat_conversation(sim):
    message_id = sim.api("GET", f"/conversations/{HOSTILE_CONVERSATION_ID}/messages").json()[
        "messages"
    ][0]["id"]
    response = _react(sim, message_id, {"emoji": "👀"})
    assert response.status_code == 200, response.text
    assert [r["emoji"] for r in _reactions_on(sim, message_id)] == ["👀"]


@pytest.mark.parametrize(
    "emoji",
    ["hello world", "", "a" * 100, "😀" * 100, 42, ["👍"]],
    ids=["words", "empty", "100-letters", "100-emoji", "number", "list"],
)
def test_a_value_that_is_not_one_emoji_is_refused_on_field_emoji(sim, emoji):
    assert [
        field for field, _ in _details(_react(sim, REFERENCE_MESSAGE_ID, {"emoji": emoji}))
    ] == ["emoji"]
    assert _reactions_on(sim, REFERENCE_MESSAGE_ID) == []


def test_a_missing_emoji_is_refused_as_required(sim):
    assert ("emoji", "required") in _details(_react(sim, REFERENCE_MESSAGE_ID, {"removed": True}))


def test_removed_must_be_a_boolean(sim):
    response = _react(sim, REFERENCE_MESSAGE_ID, {"emoji": "👍", "removed": "yes"})
    assert "removed" in [field for field, _ in _details(response)]
    assert _reactions_on(sim, REFERENCE_MESSAGE_ID) == []


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_reactions_are_refused_on_channels_without_them(sim, channel):
    message_id = _a_message_on(sim, channel)
    assert ("id", "not_allowed") in _details(_react(sim, message_id, {"emoji": "👍"}))
    assert _reactions_on(sim, message_id) == []


def test_a_reaction_on_an_unknown_message_is_not_found(sim):
    response = _react(sim, UNKNOWN_MESSAGE_ID, {"emoji": "👍"})
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
