"""The new outbound message page, against the simulator."""

from __future__ import annotations

import pytest

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID, REFERENCE_INBOX_ID

pytestmark = pytest.mark.django_db
URL = "/messages/new/"


def _post(client, **fields):
    data = {
        "inbox_id": REFERENCE_INBOX_ID,
        "recipient_kind": "channel",
        "external_id": "+48 600 100 200",
        "kind": "template",
        "template_name": "welcome_back",
        "template_language": "en",
        "idempotency_key": "n-1",
    }
    return client.post(URL, data | fields)


def test_it_offers_the_inboxes_to_send_from(flownally, client_as):
    text = client_as(SUPERVISOR).get(URL).content.decode()
    assert "Support WhatsApp (whatsapp)" in text and "Email support (email)" in text


@pytest.mark.parametrize("role", [TEAM_LEAD, VIEWER])
def test_only_roles_that_send_may_open_it(flownally, client_as, role):
    client = client_as(role)
    assert client.get(URL).status_code == 403
    assert _post(client).status_code == 403


def test_a_template_to_a_new_whatsapp_number_starts_a_conversation_and_goes_there(
    flownally, client_as
):
    response = _post(client_as(SUPERVISOR))
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (
        entry.action == "send_new"
        and entry.outcome == "ok"
        and response["Location"] == f"/conversations/{entry.conversation_id}/"
    )
    conversation = flownally.api("GET", f"/conversations/{entry.conversation_id}").json()
    assert (
        conversation["externalId"] == "48600100200"
        and conversation["inboxId"] == REFERENCE_INBOX_ID
    )


def test_text_to_a_new_whatsapp_number_is_refused_beside_the_content_choice(flownally, client_as):
    response = _post(client_as(SUPERVISOR), kind="text", body="Hello!")
    assert response.status_code == 422
    assert response.context["form"].errors["kind"]
    assert (
        response.context["form"]["idempotency_key"].value() != "n-1"
    )  # refused: the next try is new


def test_an_existing_number_continues_its_conversation(flownally, client_as):
    response = _post(
        client_as(SUPERVISOR), external_id="+48123456789", kind="text", body="Following up"
    )
    assert response["Location"] == f"/conversations/{REFERENCE_CONVERSATION_ID}/"


def test_an_unknown_contact_is_refused_beside_its_field(flownally, client_as):
    response = _post(
        client_as(SUPERVISOR), recipient_kind="contact", contact_id="con_00000000000000"
    )
    assert response.status_code == 422 and response.context["form"].errors["contact_id"]


def test_a_missing_recipient_is_caught_before_flownally(flownally, client_as):
    response = _post(client_as(SUPERVISOR), external_id="")
    assert response.status_code == 422 and response.context["form"].errors["external_id"]
    assert [e for e in flownally.request_log() if e["method"] == "POST"] == []
