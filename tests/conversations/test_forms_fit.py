"""Reply and New message offer what the channel takes, and say what a reply will do."""

from __future__ import annotations

import pytest

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR
from dashboard.simulator.seed import (
    HOSTILE_CONVERSATION_ID,
    REFERENCE_CONVERSATION_ID,
    REFERENCE_INBOX_ID,
)

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"  # WhatsApp
MALLORY = f"/conversations/{HOSTILE_CONVERSATION_ID}/"  # web chat


def _posts(sim) -> list[dict]:
    return [e for e in sim.request_log() if e["method"] == "POST"]


def _kinds(response, form="reply_form") -> list[str]:
    return [value for value, _ in response.context[form].fields["kind"].choices]


class TestReplyKinds:
    def test_whatsapp_offers_text_template_and_file(self, flownally, client_as):
        response = client_as(SUPERVISOR).get(ANNA)
        assert _kinds(response) == ["text", "template", "media"]
        assert 'name="template_name"' in response.content.decode()

    def test_web_chat_offers_no_template(self, flownally, client_as):
        response = client_as(SUPERVISOR).get(MALLORY)
        text = response.content.decode()
        assert _kinds(response) == ["text", "media"]
        assert 'value="template"' not in text and 'name="template_name"' not in text

    def test_a_forged_template_on_web_chat_is_refused_here_not_by_flownally(
        self, flownally, client_as
    ):
        response = client_as(SUPERVISOR).post(
            f"{MALLORY}reply/",
            {
                "kind": "template",
                "template_name": "order_ready",
                "template_language": "en",
                "idempotency_key": "f-1",
            },
        )
        assert response.status_code == 422
        assert response.context["reply_form"].errors["kind"] == [
            "Templates are WhatsApp only; this is webchat: send text instead."
        ]
        assert _posts(flownally) == [] and not AuditEntry.objects.exists()

    def test_file_chosen_without_a_file_asks_for_one(self, flownally, client_as):
        response = client_as(SUPERVISOR).post(
            f"{ANNA}reply/", {"kind": "media", "body": "", "idempotency_key": "f-2"}
        )
        assert response.status_code == 422
        assert response.context["reply_form"].errors["file"] == ["Choose a file to send."]
        assert _posts(flownally) == []

    def test_each_kinds_fields_are_marked_for_the_script(self, flownally, client_as):
        text = client_as(SUPERVISOR).get(ANNA).content.decode()
        form = text.split('class="stack reply"', 1)[1].split("</form>", 1)[0]
        body, template, upload = (
            form.split('name="body"')[0].rsplit("data-kind=", 1)[1],
            form.split('name="template_name"')[0].rsplit("data-kind=", 1)[1],
            form.split('name="file"')[0].rsplit("data-kind=", 1)[1],
        )
        assert (body[:12], template[:10], upload[:7]) == ('"text media"', '"template"', '"media"')
        assert "js/kinds.js" in text

    def test_a_closed_window_says_so_and_chooses_template(self, flownally, client_as):
        flownally.advance(25 * 3600)
        response = client_as(SUPERVISOR).get(ANNA)
        assert "The WhatsApp window is closed" in response.content.decode()
        assert response.context["reply_form"]["kind"].value() == "template"


class TestNewMessageKinds:
    def test_a_template_from_an_email_inbox_is_refused_here(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        inboxes = flownally.api("GET", "/inboxes").json()["inboxes"]
        email = next(i["id"] for i in inboxes if i["channel"] == "email")
        response = client.post(
            "/messages/new/",
            {
                "inbox_id": email,
                "recipient_kind": "channel",
                "external_id": "someone@example.com",
                "kind": "template",
                "template_name": "welcome_back",
                "template_language": "en",
                "idempotency_key": "n-9",
            },
        )
        assert response.status_code == 422
        assert response.context["form"].errors["kind"] == [
            "Templates are WhatsApp only; this is email: send text instead."
        ]
        assert _posts(flownally) == []

    def test_the_page_knows_each_inboxs_channel(self, flownally, client_as):
        text = client_as(SUPERVISOR).get("/messages/new/").content.decode()
        assert 'id="inbox-channels"' in text and f'"{REFERENCE_INBOX_ID}": "whatsapp"' in text


class TestClosedConversation:
    def test_it_says_it_is_closed_and_that_a_reply_reopens_it(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        flownally.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close", json={})
        head = client.get(ANNA).content.decode().split('id="conversation-head"', 1)[1]
        head = head.split("</section>", 1)[0]
        assert "Can reply freely" not in head
        assert "Closed" in head and "a reply reopens it as open" in head

    def test_what_it_says_is_what_the_reply_does(self, flownally, client_as):
        flownally.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/close", json={})
        sent = client_as(SUPERVISOR).post(
            f"{ANNA}reply/", {"kind": "text", "body": "Back again", "idempotency_key": "c-1"}
        )
        assert sent.status_code == 302
        conversation = flownally.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
        assert conversation["status"] == "open"


def _send_template(client, name: str, language: str, key: str):
    return client.post(
        f"{ANNA}reply/",
        {
            "kind": "template",
            "template_name": name,
            "template_language": language,
            "idempotency_key": key,
        },
    )


class TestTemplateNames:
    def test_names_sent_before_are_offered_with_their_language(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        assert _send_template(client, "order_ready", "pl", "t-1").status_code == 302
        assert _send_template(client, "welcome_back", "en", "t-2").status_code == 302
        assert _send_template(client, "no_such_thing", "en", "t-3").status_code == 422
        for page in (client.get(ANNA), client.get("/messages/new/")):
            text = page.content.decode()
            assert 'list="used-templates"' in text and '<datalist id="used-templates">' in text
            offered = text.split('<datalist id="used-templates">', 1)[1].split("</datalist>")[0]
            assert offered == (
                '<option value="welcome_back" data-language="en">English</option>'
                '<option value="order_ready" data-language="pl">Polish</option>'
            )  # newest first; the refused name is not offered

    def test_a_new_name_is_still_accepted(self, flownally, client_as):
        client = client_as(SUPERVISOR)
        _send_template(client, "order_ready", "en", "t-4")
        assert _send_template(client, "appointment_reminder", "en", "t-5").status_code == 302


def test_filtering_with_htmx_updates_what_the_status_menu_says(flownally, client_as):
    from dashboard.accounts.roles import VIEWER

    response = client_as(VIEWER).get(
        "/?status=open&status=pending",
        headers={"HX-Request": "true", "HX-Target": "conversation-results"},
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="conversation-results"')
    said = text.split('<summary id="status-summary" hx-swap-oob="true">', 1)[1]
    assert said.split("</summary>", 1)[0].split() == ["Status:", "Pending", "Open"]
    assert '<summary id="channel-summary" hx-swap-oob="true">Channel</summary>' in text


def test_new_message_sends_a_file_with_its_caption(flownally, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dashboard.simulator.seed import sample_png

    client = client_as(SUPERVISOR)
    assert 'value="media"' in client.get("/messages/new/").content.decode()
    response = client.post(
        "/messages/new/",
        {
            "inbox_id": REFERENCE_INBOX_ID,
            "recipient_kind": "channel",
            "external_id": "+48123456789",  # Anna: her window is open
            "kind": "media",
            "body": "Your label",
            "idempotency_key": "n-file",
            "file": SimpleUploadedFile("label.png", sample_png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302 and response["Location"] == ANNA
    newest = flownally.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()
    media = newest["messages"][0]["content"]["media"]
    assert (media["caption"], media["filename"]) == ("Your label", "label.png")
