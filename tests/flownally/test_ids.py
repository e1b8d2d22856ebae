"""IDs that do not have the contract's format are refused as NotFound before any request is
built, so user input can never steer a request to another path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dashboard.flownally import client
from dashboard.flownally.errors import NotFound
from dashboard.simulator.seed import (
    REFERENCE_CONVERSATION_ID,
    REFERENCE_INBOX_ID,
    REFERENCE_MESSAGE_ID,
    REFERENCE_USER_ID,
    TENANT_ID,
)

REF = REFERENCE_CONVERSATION_ID
BODY = "01HV8Y7YF5J4Y7M9M7T3H3X2A1"  # 26 characters of a valid ID


def malformed(prefix: str) -> list[object]:
    """Values that are not `{prefix}_{10-64 of [0-9A-Za-z]}`, the hostile ones first."""
    return [
        "../inboxes",
        "cnv_x/close",
        "cnv_",
        "",
        None,
        123,
        "cnv_abc?x=1",
        "msg_" + "a" * 65,
        f"{prefix}_",
        f"{prefix}_short",
        f"{prefix}_" + "a" * 65,
        f"{prefix}_{BODY}/close",
        f"{prefix}_{BODY}/../../inboxes",
        f"{prefix}_{BODY}?x=1",
        f"{prefix}_{BODY}#x",
        f"{prefix}_{BODY}%2F..",
        f"{prefix}_{BODY}\n",
        f" {prefix}_{BODY}",
        f"{prefix}-{BODY}",
        f"{prefix.upper()}_{BODY}",
        f"{prefix}_" + "\u0660" * 26,  # Arabic-Indic digits are not [0-9]
        f"{prefix}_{BODY}".encode(),
        [f"{prefix}_{BODY}"],
        12.5,
        True,
    ]


CONVERSATION_IDS = [*malformed("cnv"), REFERENCE_MESSAGE_ID, REFERENCE_INBOX_ID]
MESSAGE_IDS = [*malformed("msg"), REF, REFERENCE_USER_ID]
# An optional ID: None and "" mean "not given" there, so they are left out.
INBOX_IDS = [v for v in malformed("ibx") if v not in (None, "")] + [REF, REFERENCE_USER_ID]
OPTIONAL_CONVERSATION_IDS = [v for v in CONVERSATION_IDS if v not in (None, "")]

GOOD_MEDIA = f"/media/{TENANT_ID}/uploads/mda_{BODY}"
MEDIA_URLS = [
    "/media/../users",
    "/media/../conversations",
    "/users",
    "",
    None,
    123,
    f"/media/tn_x/uploads/mda_{BODY}",
    f"/media/{TENANT_ID}/uploads/mda_x",
    f"/media/{TENANT_ID}/uploads/{REF}",
    f"/media/{TENANT_ID}/uploads/../../users",
    f"{GOOD_MEDIA}/../../../users",
    f"{GOOD_MEDIA}?x=1",
    f"{GOOD_MEDIA}#x",
    f"{GOOD_MEDIA}\n",
    f"media/{TENANT_ID}/uploads/mda_{BODY}",
    f"//evil.example{GOOD_MEDIA}",
    f"http://evil.example{GOOD_MEDIA}",
    f"/v1{GOOD_MEDIA}",
    f"/media/{TENANT_ID}/uploads/mda_{BODY}/",
    GOOD_MEDIA.encode(),
]

CALLS: list[tuple[str, Callable[[object], object], list[object]]] = [
    ("conversation_get", client.conversation_get, CONVERSATION_IDS),
    ("conversation_messages", client.conversation_messages, CONVERSATION_IDS),
    ("iter_messages", lambda bad: list(client.iter_messages(bad)), CONVERSATION_IDS),
    ("message_get", client.message_get, MESSAGE_IDS),
    ("message_react", lambda bad: client.message_react(bad, "👍"), MESSAGE_IDS),
    (
        "message_react conversation_id",
        lambda bad: client.message_react(REFERENCE_MESSAGE_ID, "👍", conversation_id=bad),
        OPTIONAL_CONVERSATION_IDS,
    ),
    (
        "conversation_message_send",
        lambda bad: client.conversation_message_send(bad, client.text("hi")),
        CONVERSATION_IDS,
    ),
    (
        "conversation_message_send inbox_id",
        lambda bad: client.conversation_message_send(REF, client.text("hi"), inbox_id=bad),
        INBOX_IDS,
    ),
    (
        "message_send inbox_id",
        lambda bad: client.message_send(
            client.to_conversation(REF), client.text("hi"), inbox_id=bad
        ),
        INBOX_IDS,
    ),
    (
        "conversation_reassign",
        lambda bad: client.conversation_reassign(bad, REFERENCE_USER_ID),
        CONVERSATION_IDS,
    ),
    (
        "conversation_read",
        lambda bad: client.conversation_read(bad, REFERENCE_MESSAGE_ID),
        CONVERSATION_IDS,
    ),
    ("conversation_close", client.conversation_close, CONVERSATION_IDS),
    ("media_download", client.media_download, MEDIA_URLS),
]


@pytest.fixture
def flownally(flownally, no_cache):
    """The shared `flownally`, every read reaching the simulator."""
    return flownally


@pytest.mark.parametrize(("name", "call", "values"), CALLS, ids=[name for name, *_ in CALLS])
def test_a_malformed_id_is_not_found_and_no_request_is_made(flownally, name, call, values):
    problems = []
    for value in values:
        try:
            call(value)
        except NotFound as error:
            if error.status != 0 or error.request_id is not None:
                problems.append((value, f"NotFound came from an answer ({error.status})"))
        except Exception as error:
            problems.append((value, f"{type(error).__name__}: {error}"))
        else:
            problems.append((value, "accepted"))
        if flownally.request_log():
            problems.append((value, "a request reached the simulator"))
            flownally.control("DELETE", "requests")
    assert problems == []
    assert len(flownally.request_log()) == 0
    # One real request over the client's own connection: a request made above on that
    # connection would have been logged before this one is answered.
    client.inbox_list()
    assert [e["route"] for e in flownally.logged(1)] == ["GET /inboxes"]


@pytest.mark.parametrize("value", CONVERSATION_IDS[:9], ids=repr)
def test_the_ids_from_the_brief_are_each_not_found_without_a_request(flownally, value):
    with pytest.raises(NotFound) as raised:
        client.conversation_get(value)
    assert raised.value.status == 0
    assert len(flownally.request_log()) == 0


def test_the_refusal_names_the_value_but_makes_no_request(flownally):
    with pytest.raises(NotFound) as raised:
        client.conversation_close("../inboxes")
    assert "'../inboxes'" in str(raised.value)
    assert raised.value.request_id is None
    assert flownally.request_log() == []


def test_a_well_formed_unknown_id_is_asked_about(flownally):
    # The check is about format only: a well-formed ID Flownally does not know is its 404.
    with pytest.raises(NotFound) as raised:
        client.conversation_get("cnv_" + "0" * 26)
    assert raised.value.status == 404
    assert raised.value.request_id
    assert [e["status"] for e in flownally.logged(1)] == [404]


def test_ids_of_the_shortest_and_longest_valid_length_are_sent(flownally):
    for cid in ("cnv_" + "0" * 10, "cnv_" + "Z" * 64):
        with pytest.raises(NotFound) as raised:
            client.conversation_get(cid)
        assert raised.value.status == 404
    assert len(flownally.logged(2)) == 2
