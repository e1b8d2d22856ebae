"""Before an action, someone else's action on the conversation a moment ago is said and
must be confirmed; the confirmed action goes once, with the form's own key."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
HTMX = {"HX-Request": "true", "HX-Target": "actions"}


@pytest.fixture
def ola(make_user):
    return make_user(TEAM_LEAD, "ola")


@pytest.fixture
def marta(flownally, make_user) -> Client:
    client = Client()
    client.force_login(make_user(SUPERVISOR, "marta"))
    return client


def _acted(user, action=AuditEntry.Action.REPLY, seconds_ago=25, outcome="ok") -> AuditEntry:
    entry = AuditEntry.objects.create(
        user=user,
        username=user.username,
        action=action,
        conversation_id=REFERENCE_CONVERSATION_ID,
        outcome=outcome,
    )
    AuditEntry.objects.filter(pk=entry.pk).update(
        at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return entry


def _sent(sim) -> list[str]:
    messages = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()
    return [m["content"].get("text", {}).get("body") for m in messages["messages"]]


def _reply(client, key="k-1", htmx=True, **extra):
    data = {"kind": "text", "body": "On it", "idempotency_key": key, **extra}
    return client.post(f"{ANNA}reply/", data, headers=HTMX if htmx else {})


def _mine() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(username="marta"))


def test_another_persons_reply_a_moment_ago_is_said_and_nothing_is_sent(marta, ola, flownally):
    entry = _acted(ola)
    answer = _reply(marta)
    assert answer.status_code == 409
    text = answer.content.decode()
    assert "ola (team lead) replied 25 s ago." in text
    assert f'name="confirm" value="{entry.id}"' in text and "Send anyway" in text
    assert "Cancel" in text and 'class="problem' in text  # shown beside the form (failures.js)
    assert "On it" not in _sent(flownally) and _mine() == []  # nothing sent, nothing audited


def test_send_anyway_sends_once_with_the_same_key(marta, ola, flownally):
    entry = _acted(ola)
    assert _reply(marta).status_code == 409
    assert _reply(marta, confirm=str(entry.id)).status_code == 200
    assert _reply(marta, confirm=str(entry.id)).status_code == 200  # a double click
    assert _sent(flownally).count("On it") == 1
    assert [(e.action, e.outcome, e.idempotency_key) for e in _mine()][-1] == ("reply", "ok", "k-1")
    sends = [e for e in flownally.request_log() if e["method"] == "POST"]
    assert [e["idempotencyKey"] for e in sends] == ["k-1", "k-1"]  # the second is a replay


def test_without_javascript_the_question_is_inside_the_form_with_its_key(marta, ola, flownally):
    entry = _acted(ola)
    page = _reply(marta, htmx=False)
    assert page.status_code == 409
    text = page.content.decode()
    form = re.search(r"<form[^>]*reply/.*?</form>", text, re.S)[0]
    assert 'name="idempotency_key" value="k-1"' in form and "On it" in form
    assert f'name="confirm" value="{entry.id}"' in form
    assert _reply(marta, htmx=False, confirm=str(entry.id)).status_code == 302
    assert _sent(flownally).count("On it") == 1


def test_an_action_older_than_the_window_does_not_ask(marta, ola, flownally, settings):
    _acted(ola, seconds_ago=settings.CONFLICT_WINDOW_SECONDS + 1)
    assert _reply(marta).status_code == 200
    assert _sent(flownally).count("On it") == 1


def test_ones_own_action_never_asks(marta, flownally):
    from django.contrib.auth import get_user_model

    _acted(get_user_model().objects.get(username="marta"))
    assert _reply(marta).status_code == 200


def test_a_refused_or_failed_action_by_someone_else_does_not_ask(marta, ola, flownally):
    _acted(ola, outcome="refused")
    _acted(ola, outcome="failed")
    assert _reply(marta).status_code == 200


def test_a_reaction_is_no_reason_to_ask(marta, ola, flownally):
    _acted(ola, action=AuditEntry.Action.REACT)
    assert _reply(marta).status_code == 200


@pytest.mark.parametrize(
    "confirm", ["", "yes", "-1", "0", "9" * 40, "1 OR 1=1", "\x00", "é" * 5000]
)
def test_a_confirm_that_names_no_entry_asks_again(marta, ola, flownally, confirm):
    _acted(ola)
    assert _reply(marta, confirm=confirm).status_code == 409
    assert "On it" not in _sent(flownally)


def test_something_newer_than_what_was_confirmed_asks_again(marta, ola, flownally, make_user):
    first = _acted(ola)
    _acted(make_user(SUPERVISOR, "kasia"), action=AuditEntry.Action.REASSIGN, seconds_ago=2)
    answer = _reply(marta, confirm=str(first.id))
    assert answer.status_code == 409
    assert "kasia (supervisor) reassigned 2 s ago." in answer.content.decode()
    assert "On it" not in _sent(flownally)


def test_reassign_and_close_ask_too(flownally, ola, make_user):
    lead = Client()
    lead.force_login(make_user(TEAM_LEAD, "adam"))
    _acted(ola, action=AuditEntry.Action.CLOSE, seconds_ago=5)
    closing = lead.post(f"{ANNA}close/", {"idempotency_key": "c-1"}, headers=HTMX)
    assert (
        closing.status_code == 409 and "ola (team lead) closed 5 s ago." in closing.content.decode()
    )
    assert "Close anyway" in closing.content.decode()
    reassigning = lead.post(
        f"{ANNA}reassign/", {"idempotency_key": "r-1", "user_id": "usr_x"}, headers=HTMX
    )
    assert reassigning.status_code in (409, 422)
    status = flownally.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()["status"]
    assert status != "closed"


def test_a_window_of_zero_never_asks(marta, ola, flownally, settings):
    settings.CONFLICT_WINDOW_SECONDS = 0
    _acted(ola)
    assert _reply(marta).status_code == 200


def test_a_failed_message_resent_by_someone_else_asks_too(marta, ola, flownally):
    _acted(ola, action=AuditEntry.Action.RESEND, seconds_ago=8)
    answer = _reply(marta)
    assert answer.status_code == 409
    assert "ola (team lead) resent a failed message 8 s ago." in answer.content.decode()
