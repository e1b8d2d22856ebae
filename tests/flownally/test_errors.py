"""Every error class, produced by the real simulator, and what it carries."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dashboard.flownally import client
from dashboard.flownally.errors import (
    BadResponse,
    Conflict,
    FieldError,
    FlownallyError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    ValidationFailed,
)
from dashboard.simulator.seed import (
    REFERENCE_CONVERSATION_ID,
    REFERENCE_MESSAGE_ID,
    TENANT_ID,
)
from tests.support.simulator import READ_ONLY_TOKEN, TOKEN

REF = REFERENCE_CONVERSATION_ID
UNKNOWN_CONVERSATION = "cnv_" + "0" * 26
UNKNOWN_MESSAGE = "msg_" + "0" * 26
LIST = "/conversations"
# A token value that cannot turn up in an error by accident.
SECRET_TOKEN = "tok-5ecret-Qx7Zp2Lm9Wv4"
WRONG_TOKEN = "tok-wr0ng-Hk3Jd8Ys1Bn6"
REFUSED_URL = "http://127.0.0.1:9/v1"


@pytest.fixture
def flownally(flownally, settings, monkeypatch):
    """The shared `flownally`, with a distinctive token the simulator accepts as the
    full-scope one."""
    tokens = flownally.simulator.tokens
    monkeypatch.setitem(tokens, SECRET_TOKEN, tokens[TOKEN])
    settings.FLOWNALLY_API_TOKEN = SECRET_TOKEN
    return flownally


def raised_by(call: Callable[[], object], kind: type[FlownallyError]) -> FlownallyError:
    with pytest.raises(kind) as raised:
        call()
    return raised.value


# --- ValidationFailed ----------------------------------------------------------------------


def test_a_422_is_validation_failed_with_details_per_field(flownally):
    error = raised_by(
        lambda: client.conversation_message_send(REF, client.text("")), ValidationFailed
    )
    assert error.status == 422
    assert error.code == "validation_failed"
    assert error.details == (
        FieldError("content.text.body", "too_short", "content.text.body must not be empty."),
    )
    assert error.for_field("content") == list(error.details)
    assert error.for_field("content.text.body") == list(error.details)
    assert error.for_field("inboxId") == []
    assert error.for_field("cont") == []
    (entry,) = flownally.logged(1, "POST", f"/conversations/{REF}/messages")
    assert error.request_id == entry["requestId"]


def test_validation_failed_groups_several_problems_by_field(flownally):
    error = raised_by(
        lambda: client.message_send({"type": "nobody"}, {"type": "text"}), ValidationFailed
    )
    recipient = error.for_field("recipient")
    content = error.for_field("content")
    assert recipient and content
    assert all(d.field.startswith("recipient") for d in recipient)
    assert all(d.field.startswith("content") for d in content)
    assert len(error.details) == len(recipient) + len(content)
    assert all(isinstance(d, FieldError) and d.code and d.message for d in error.details)


def test_a_page_size_out_of_range_is_validation_failed_on_page_size(flownally):
    error = raised_by(lambda: client.conversation_list(page_size=101), ValidationFailed)
    assert [d.code for d in error.for_field("pageSize")] == ["out_of_range"]


# --- NotFound ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: client.conversation_get(UNKNOWN_CONVERSATION),
        lambda: client.conversation_messages(UNKNOWN_CONVERSATION),
        lambda: client.message_get(UNKNOWN_MESSAGE),
        lambda: client.conversation_close(UNKNOWN_CONVERSATION),
        lambda: client.message_react(UNKNOWN_MESSAGE, "👍"),
        lambda: client.media_download(f"/media/{TENANT_ID}/uploads/mda_{'0' * 26}"),
    ],
    ids=["get", "messages", "message", "close", "react", "media"],
)
def test_an_unknown_well_formed_id_is_not_found(flownally, call):
    error = raised_by(call, NotFound)
    assert error.status == 404
    assert error.code == "not_found"
    assert error.request_id and error.request_id.startswith("req_")
    assert len(flownally.logged(1)) == 1, "a 404 is an answer, not something to retry"


# --- PermissionDenied ----------------------------------------------------------------------


def test_a_wrong_token_is_permission_denied(flownally, settings):
    settings.FLOWNALLY_API_TOKEN = "wrong"
    error = raised_by(client.conversation_list, PermissionDenied)
    assert error.status == 401
    assert error.code == "unauthenticated"
    assert error.request_id
    assert len(flownally.logged(1)) == 1


def test_the_read_only_token_may_read_but_not_send(flownally, settings):
    settings.FLOWNALLY_API_TOKEN = READ_ONLY_TOKEN
    assert client.conversation_get(REF).id == REF
    error = raised_by(
        lambda: client.conversation_message_send(REF, client.text("Not allowed")),
        PermissionDenied,
    )
    assert error.status == 403
    assert error.code == "insufficient_scope"
    assert "message:create" in str(error)
    assert READ_ONLY_TOKEN not in str(error) and READ_ONLY_TOKEN not in repr(error)
    assert len(flownally.logged(1, "POST", f"/conversations/{REF}/messages")) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda: client.message_send(client.to_conversation(REF), client.text("x")),
        lambda: client.conversation_close(REF),
        lambda: client.conversation_reassign(REF, "usr_" + "0" * 26),
        lambda: client.message_react(REFERENCE_MESSAGE_ID, "👍"),
    ],
    ids=["send", "close", "reassign", "react"],
)
def test_every_write_with_the_read_only_token_is_permission_denied(flownally, settings, call):
    settings.FLOWNALLY_API_TOKEN = READ_ONLY_TOKEN
    assert raised_by(call, PermissionDenied).status == 403


# --- RateLimited ---------------------------------------------------------------------------


def test_a_429_asking_for_more_than_the_retry_cap_is_raised_at_once(flownally, settings):
    settings.FLOWNALLY_RETRY_CAP = 2.0
    flownally.add_fault(kind="rate_limit", retryAfter=30, exact_path=LIST)
    error = raised_by(client.conversation_list, RateLimited)
    assert error.status == 429
    assert error.code == "rate_limited"
    assert error.retry_after == 30.0
    assert error.request_id
    assert len(flownally.logged(1, "GET", LIST)) == 1


# --- Conflict ------------------------------------------------------------------------------


def test_the_same_idempotency_key_with_another_body_is_a_conflict(flownally):
    before = len(flownally.api("GET", f"/conversations/{REF}/messages").json()["messages"])
    client.message_send(client.to_conversation(REF), client.text("First"), idempotency_key="k-1")
    error = raised_by(
        lambda: client.message_send(
            client.to_conversation(REF), client.text("Second"), idempotency_key="k-1"
        ),
        Conflict,
    )
    assert error.status == 409
    assert error.code == "idempotency_key_reused"
    assert error.request_id
    assert len(flownally.logged(2, "POST", "/messages")) == 2, "a reused key is not retried"
    after = flownally.api("GET", f"/conversations/{REF}/messages").json()["messages"]
    assert len(after) == before + 1
    assert after[0]["content"]["text"]["body"] == "First"


# --- Unavailable ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_beyond_the_retries_are_unavailable(flownally, settings, status):
    settings.FLOWNALLY_RETRIES = 2
    flownally.add_fault(kind="error", status=status, exact_path=LIST)
    error = raised_by(client.conversation_list, Unavailable)
    assert error.status == status
    assert error.code in ("unavailable", "internal_error")
    assert error.request_id
    assert len(flownally.logged(3, "GET", LIST)) == 3


def test_a_connection_refused_is_unavailable(flownally, settings):
    settings.FLOWNALLY_API_URL = REFUSED_URL
    settings.FLOWNALLY_RETRIES = 1
    error = raised_by(client.conversation_list, Unavailable)
    assert error.status == 0
    assert error.request_id is None
    assert "request req_" not in str(error)
    assert flownally.request_log() == []


def test_no_answer_in_time_is_unavailable(flownally, settings):
    settings.FLOWNALLY_READ_TIMEOUT = 0.3
    settings.FLOWNALLY_RETRIES = 0
    flownally.add_fault(kind="timeout", delayMs=2000, times=1, exact_path=LIST)
    error = raised_by(client.conversation_list, Unavailable)
    assert error.status == 0
    assert error.request_id is None


def test_a_dropped_connection_is_unavailable(flownally, settings):
    settings.FLOWNALLY_RETRIES = 2
    flownally.add_fault(kind="disconnect", exact_path=LIST)
    error = raised_by(client.conversation_list, Unavailable)
    assert error.status == 0
    assert error.request_id is None
    assert [e["fault"] for e in flownally.logged(3)] == ["disconnect"] * 3


# --- BadResponse ---------------------------------------------------------------------------


def test_a_200_whose_body_is_not_json_is_a_bad_response(flownally):
    flownally.add_fault(kind="malformed", times=1, exact_path=LIST)
    error = raised_by(client.conversation_list, BadResponse)
    assert error.status == 200
    (entry,) = flownally.logged(1)
    assert error.request_id == entry["requestId"], "the answer had a request id"
    assert entry["requestId"] in str(error)


def test_a_status_the_client_should_never_cause_is_a_bad_response(flownally):
    flownally.add_fault(kind="error", status=400, times=1, exact_path=LIST)
    error = raised_by(client.conversation_list, BadResponse)
    assert error.status == 400
    assert error.code == "invalid_json"
    assert len(flownally.logged(1)) == 1


# --- what every error carries, and what none ever carries ----------------------------------------


def _validation(sim, settings):
    client.conversation_message_send(REF, client.text(""))


def _not_found(sim, settings):
    client.conversation_get(UNKNOWN_CONVERSATION)


def _unauthenticated(sim, settings):
    settings.FLOWNALLY_API_TOKEN = WRONG_TOKEN
    client.conversation_list()


def _insufficient_scope(sim, settings):
    sim.simulator.tokens[SECRET_TOKEN] = sim.simulator.tokens[READ_ONLY_TOKEN]
    client.conversation_close(REF)


def _rate_limited(sim, settings):
    sim.add_fault(kind="rate_limit", retryAfter=60, exact_path=LIST)
    client.conversation_list()


def _conflict(sim, settings):
    client.conversation_close(REF, idempotency_key="same")
    client.conversation_message_send(REF, client.text("other"), idempotency_key="same")


def _unavailable_503(sim, settings):
    sim.add_fault(kind="error", status=503, exact_path=LIST)
    client.conversation_list()


def _connection_refused(sim, settings):
    settings.FLOWNALLY_API_URL = REFUSED_URL
    settings.FLOWNALLY_RETRIES = 0
    client.conversation_list()


def _timeout(sim, settings):
    settings.FLOWNALLY_READ_TIMEOUT = 0.3
    settings.FLOWNALLY_RETRIES = 0
    sim.add_fault(kind="timeout", delayMs=2000, times=1, exact_path=LIST)
    client.conversation_list()


def _disconnect(sim, settings):
    settings.FLOWNALLY_RETRIES = 0
    sim.add_fault(kind="disconnect", times=1, exact_path=LIST)
    client.conversation_list()


def _malformed(sim, settings):
    sim.add_fault(kind="malformed", times=1, exact_path=LIST)
    client.conversation_list()


def _bad_id(sim, settings):
    client.conversation_get("../inboxes")


# (how the error comes about, its type, how many answers the simulator gave; 0: none)
SCENARIOS = [
    (_validation, ValidationFailed, 1),
    (_not_found, NotFound, 1),
    (_unauthenticated, PermissionDenied, 1),
    (_insufficient_scope, PermissionDenied, 1),
    (_rate_limited, RateLimited, 1),
    (_conflict, Conflict, 2),
    (_unavailable_503, Unavailable, 3),
    (_connection_refused, Unavailable, 0),
    (_timeout, Unavailable, 0),
    (_disconnect, Unavailable, 0),
    (_malformed, BadResponse, 1),
    (_bad_id, NotFound, 0),
]


@pytest.mark.parametrize(
    ("scenario", "kind", "answers"), SCENARIOS, ids=[s.__name__[1:] for s, _, _ in SCENARIOS]
)
def test_every_error_is_a_flownally_error_without_the_token_and_with_the_request_id(
    flownally, settings, scenario, kind, answers
):
    with pytest.raises(FlownallyError) as raised:
        scenario(flownally, settings)
    error = raised.value
    assert type(error) is kind
    assert isinstance(error, Exception)
    for shown in (str(error), repr(error), str(error.args), error.message):
        assert SECRET_TOKEN not in shown
        assert WRONG_TOKEN not in shown
    if answers:
        last_answer = flownally.logged(answers)[-1]
        assert error.request_id == last_answer["requestId"]
        assert error.request_id in str(error)
    else:
        assert error.request_id is None
        assert "req_" not in str(error)
