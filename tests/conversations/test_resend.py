"""Resending a failed message over the simulator: the same content as one new message,
audited, and every press says what happened; anything else is refused clearly."""

from __future__ import annotations

import pytest

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID

pytestmark = pytest.mark.django_db
ANNA = f"/conversations/{REFERENCE_CONVERSATION_ID}/"
HTMX = {"HX-Request": "true", "HX-Target": "resend"}


@pytest.fixture
def sim(flownally, settings):
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0
    flownally.control("POST", "config", {"failRate": 0})
    return flownally


def _messages(sim) -> list[dict]:
    return sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages").json()["messages"]


def _failed(sim, content: dict, conversation_id: str = REFERENCE_CONVERSATION_ID) -> str:
    answer = sim.api(
        "POST", f"/conversations/{conversation_id}/messages", json={"content": content}
    )
    assert answer.status_code == 202, answer.text
    message_id = answer.json()["message"]["id"]
    sim.control("POST", f"messages/{message_id}/delivery", {"deliveryStatus": "failed"})
    return message_id


def _text(body: str) -> dict:
    return {"type": "text", "text": {"body": body}}


def _resend(client, message_id: str, key: str = "rk-1", conversation=ANNA, **kw):
    return client.post(f"{conversation}resend/{message_id}/", {"idempotency_key": key}, **kw)


def test_a_failed_text_is_sent_again_as_one_new_message_and_audited(sim, client_as):
    failed = _failed(sim, _text("Your parcel is ready"))
    client = client_as(SUPERVISOR)
    response = _resend(client, failed, headers=HTMX)
    assert response.status_code == 200
    assert "timeline-changed" in response["HX-Trigger"]
    newest = _messages(sim)[0]
    assert newest["id"] != failed
    assert newest["content"] == _text("Your parcel is ready")
    entry = AuditEntry.objects.get(action="resend")
    assert (entry.outcome, entry.message_id, entry.resends, entry.idempotency_key) == (
        "ok",
        newest["id"],
        failed,
        "rk-1",
    )
    assert entry.get_action_display() == "Resent a failed message"
    text = response.content.decode()
    assert "Sent as a new message." in text
    assert "Resent as a new message by supervisor," in text
    assert "Resend</button>" not in text  # nothing left to press


def test_the_same_form_pressed_twice_sends_once(sim, client_as):
    failed = _failed(sim, _text("Twice?"))
    client = client_as(SUPERVISOR)
    before = len(_messages(sim))
    first = _resend(client, failed, headers=HTMX)
    second = _resend(client, failed, headers=HTMX)
    assert len(_messages(sim)) == before + 1
    assert first.status_code == second.status_code == 200
    assert "It was already resent: nothing was sent again." in second.content.decode()
    assert [e.outcome for e in AuditEntry.objects.filter(action="resend")] == ["ok"]


def test_a_template_is_resent_with_its_parameters(sim, client_as):
    template = {
        "type": "template",
        "template": {"name": "order_ready", "language": "pl", "parameters": ["Anna", "A-17"]},
    }
    failed = _failed(sim, template)
    assert _resend(client_as(SUPERVISOR), failed).status_code == 302
    assert _messages(sim)[0]["content"]["template"] == template["template"]


def test_media_is_resent_by_its_upload_s_id(sim, client_as):
    upload = sim.api(
        "POST", "/media/uploads", files={"file": ("menu.pdf", b"%PDF-1.4 menu", "application/pdf")}
    ).json()
    failed = _failed(
        sim, {"type": "media", "media": {"mediaId": upload["mediaId"], "caption": "Menu"}}
    )
    assert _resend(client_as(SUPERVISOR), failed).status_code == 302
    sent = _messages(sim)[0]
    assert sent["id"] != failed
    assert (sent["content"]["media"]["mediaId"], sent["content"]["media"]["caption"]) == (
        upload["mediaId"],
        "Menu",
    )


def test_outside_the_window_flownally_s_refusal_is_shown_and_a_template_asked_for(sim, client_as):
    failed = _failed(sim, _text("Too late"))
    sim.advance(25 * 3600)
    before = len(_messages(sim))
    response = _resend(client_as(SUPERVISOR), failed, headers=HTMX)
    assert response.status_code == 422  # swapped in beside the button
    text = response.content.decode()
    assert "Outside WhatsApp&#x27;s 24-hour window only templates can be sent." in text
    assert "A template is needed now: send one from the reply box." in text
    assert 'value="rk-1"' not in text and "Resend</button>" in text  # a new key to try again
    assert len(_messages(sim)) == before
    assert AuditEntry.objects.get(action="resend").outcome == "refused"


def test_no_answer_says_pressing_again_is_safe_and_keeps_the_key(sim, client_as):
    failed = _failed(sim, _text("Hello?"))
    sim.add_fault(
        kind="error",
        status=503,
        path=f"^/v1/conversations/{REFERENCE_CONVERSATION_ID}/messages$",
        method="POST",
    )
    response = _resend(client_as(SUPERVISOR), failed, headers=HTMX)
    assert response.status_code == 502
    text = response.content.decode()
    assert "Pressing again is safe" in text and 'class="problem"' in text
    assert AuditEntry.objects.get(action="resend").outcome != "ok"


def test_without_htmx_it_comes_back_to_the_failed_page_it_was_pressed_on(sim, client_as):
    failed = _failed(sim, _text("Back"))
    client = client_as(SUPERVISOR)
    response = client.post(f"{ANNA}resend/{failed}/", {"idempotency_key": "k", "back": "failed"})
    assert response.status_code == 302 and response["Location"] == "/failed/"
    assert "Sent as a new message." in client.get("/failed/").content.decode()


@pytest.mark.parametrize("role", [TEAM_LEAD, VIEWER])
def test_only_those_who_may_reply_may_resend(sim, client_as, role):
    failed = _failed(sim, _text("Not yours"))
    assert _resend(client_as(role), failed).status_code == 403
    assert not AuditEntry.objects.exists()


def test_a_message_of_another_conversation_is_refused(sim, client_as):
    other = next(c for c in sim.open_queue() if c["id"] != REFERENCE_CONVERSATION_ID)
    failed = _failed(sim, _text("Elsewhere"), other["id"])
    before = len(sim.request_log())
    response = _resend(client_as(SUPERVISOR), failed, headers=HTMX)
    assert response.status_code == 404
    assert (
        "That message is not in this conversation: nothing was sent." in response.content.decode()
    )
    assert not [e for e in sim.request_log()[before:] if e["method"] == "POST"]


def test_a_message_that_did_not_fail_is_refused(sim, client_as):
    answer = sim.api(
        "POST",
        f"/conversations/{REFERENCE_CONVERSATION_ID}/messages",
        json={"content": _text("Fine")},
    )
    message_id = answer.json()["message"]["id"]
    sim.control("POST", f"messages/{message_id}/delivery", {"deliveryStatus": "delivered"})
    response = _resend(client_as(SUPERVISOR), message_id, headers=HTMX)
    assert response.status_code == 409
    assert (
        "That message did not fail (it is delivered): nothing was sent."
        in response.content.decode()
    )


def test_a_customer_s_message_is_refused(sim, client_as):
    inbound = next(m for m in _messages(sim) if m["senderType"] == "customer")
    response = _resend(client_as(SUPERVISOR), inbound["id"], headers=HTMX)
    assert response.status_code == 409
    assert "only the team&#x27;s messages can be resent" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        f"{ANNA}resend/not-a-message/",
        "/conversations/cnv_x/resend/msg_01HV8Z2G8Z3H5M9K2S6A1N0P4/",
        f"{ANNA}resend/msg_%3Cscript%3E/",
    ],
)
def test_bad_ids_are_refused_without_asking_flownally(sim, client_as, path):
    client = client_as(SUPERVISOR)
    before = len(sim.request_log())
    response = client.post(path, {"idempotency_key": "k"})
    assert response.status_code == 404
    assert "nothing was sent" in response.content.decode()
    assert len(sim.request_log()) == before


def test_an_unknown_message_is_refused(sim, client_as):
    response = _resend(client_as(SUPERVISOR), "msg_01ZZZZZZZZZZZZZZZZZZZZZZZZ", headers=HTMX)
    assert response.status_code == 404
    assert "There is no such message: nothing was sent." in response.content.decode()


def test_a_broken_key_is_refused(sim, client_as):
    failed = _failed(sim, _text("Key"))
    response = _resend(client_as(SUPERVISOR), failed, key="", headers=HTMX)
    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_only_post(sim, client_as):
    failed = _failed(sim, _text("Get"))
    assert client_as(SUPERVISOR).get(f"{ANNA}resend/{failed}/").status_code == 405


def test_the_timeline_offers_resend_beside_a_failed_message_then_says_who_resent_it(sim, client_as):
    failed = _failed(sim, _text("Offer"))
    client = client_as(SUPERVISOR)
    page = client.get(ANNA).content.decode()
    assert f'action="{ANNA}resend/{failed}/"' in page
    assert _resend(client, failed).status_code == 302
    page = client.get(ANNA).content.decode()
    assert f'action="{ANNA}resend/{failed}/"' not in page
    assert "Resent as a new message by supervisor," in page


def test_the_timeline_offers_no_resend_to_those_who_may_not_reply(sim, client_as):
    failed = _failed(sim, _text("Lead"))
    assert f"resend/{failed}/" not in client_as(TEAM_LEAD).get(ANNA).content.decode()


def test_outside_the_window_the_timeline_warns_before_the_press(sim, client_as):
    failed = _failed(sim, _text("Late"))
    sim.advance(25 * 3600)
    page = client_as(SUPERVISOR).get(ANNA).content.decode()
    assert f'aria-describedby="resend-warning-{failed}"' in page
    assert "Flownally takes only template here now, so it will refuse this text" in page


def test_while_someone_else_resends_it_a_second_person_is_told_and_nothing_is_sent(sim, client_as):
    from django.core.cache import cache

    failed = _failed(sim, _text("Busy"))
    cache.set(f"resend:{failed}", "someone-else-s-key", 60)
    before = len(_messages(sim))
    response = _resend(client_as(SUPERVISOR), failed, headers=HTMX)
    assert response.status_code == 409
    assert "Someone is resending this message right now" in response.content.decode()
    assert len(_messages(sim)) == before


def test_content_this_dashboard_does_not_know_is_not_offered_and_says_why():
    from datetime import UTC, datetime

    from dashboard.conversations import resend
    from dashboard.flownally.models import Message, UnknownContent

    message = Message(
        "msg_01HV8Z2G8Z3H5M9K2S6A1N0P4",
        REFERENCE_CONVERSATION_ID,
        datetime.now(UTC),
        None,
        "user",
        None,
        UnknownContent("location"),
        "failed",
    )
    assert resend.content_of(message) is None
    offer = resend.offers([(message.id, "location")], {})[message.id]
    assert offer["why_not"] == (
        "A location message cannot be resent from here: this dashboard does not know how to send that kind."
    )
