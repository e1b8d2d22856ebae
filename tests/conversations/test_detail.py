"""The conversation page, against the simulator."""

from __future__ import annotations

import pytest

from dashboard.accounts.roles import VIEWER
from dashboard.simulator.seed import (
    HOSTILE_CONVERSATION_ID,
    REFERENCE_CONVERSATION_ID,
    REFERENCE_MESSAGE_ID,
)

pytestmark = pytest.mark.django_db


def test_it_shows_the_header_and_the_messages_oldest_first(flownally, client_as):
    response = client_as(VIEWER).get(f"/conversations/{REFERENCE_CONVERSATION_ID}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Anna Kowalska" in text and "Support WhatsApp" in text and "Marta Zielińska" in text
    assert "Can reply freely for 23 h" in text
    bodies = [item["message"].id for item in response.context["timeline"]]
    assert bodies.index(REFERENCE_MESSAGE_ID) == 1
    assert "✓✓ Delivered" in text


def test_outside_the_whatsapp_window_it_says_template_only(flownally, client_as):
    flownally.advance(25 * 3600)
    assert (
        "Template only"
        in client_as(VIEWER).get(f"/conversations/{REFERENCE_CONVERSATION_ID}/").content.decode()
    )


def test_a_failed_message_shows_its_reason(flownally, client_as):
    flownally.control(
        "POST",
        f"messages/{REFERENCE_MESSAGE_ID}/delivery",
        {"deliveryStatus": "failed", "failureCode": "recipient_unreachable"},
    )
    text = client_as(VIEWER).get(f"/conversations/{REFERENCE_CONVERSATION_ID}/").content.decode()
    assert "⚠ Failed: The recipient&#x27;s phone or account could not be reached." in text


def test_load_earlier_pages_back_through_the_history(flownally, client_as):
    for n in range(30):
        flownally.control(
            "POST", "inbound", {"conversationId": REFERENCE_CONVERSATION_ID, "text": f"line {n}"}
        )
    client = client_as(VIEWER)
    newest = client.get(f"/conversations/{REFERENCE_CONVERSATION_ID}/")
    earlier = client.get(
        f"/conversations/{REFERENCE_CONVERSATION_ID}/", {"before": newest.context["earlier"]}
    )
    newest_ids = {i["message"].id for i in newest.context["timeline"]}
    earlier_ids = {i["message"].id for i in earlier.context["timeline"]}
    assert len(newest_ids) == 25 and earlier_ids and not newest_ids & earlier_ids
    assert REFERENCE_MESSAGE_ID in earlier_ids


def test_a_stale_load_earlier_link_goes_back_to_the_newest_messages(flownally, client_as):
    response = client_as(VIEWER).get(f"/conversations/{REFERENCE_CONVERSATION_ID}/?before=garbage")
    assert (
        response.status_code == 302
        and response["Location"] == f"/conversations/{REFERENCE_CONVERSATION_ID}/"
    )


@pytest.mark.parametrize(
    "bad", ["cnv_x", "..%2Finboxes", "cnv_" + "A" * 65, "msg_01HV8Z2G8Z3H5M9K2S6A1N0P4"]
)
def test_a_malformed_id_is_a_404_without_asking_flownally(flownally, client_as, bad):
    response = client_as(VIEWER).get(f"/conversations/{bad}/")
    assert response.status_code == 404
    assert flownally.request_log() == [] or all(
        "/conversations/" not in e["path"] for e in flownally.request_log()
    )


def test_an_unknown_conversation_is_a_404(flownally, client_as):
    assert (
        client_as(VIEWER).get("/conversations/cnv_00000000000000000000000000/").status_code == 404
    )


def test_customer_markup_in_messages_is_text(flownally, client_as):
    text = client_as(VIEWER).get(f"/conversations/{HOSTILE_CONVERSATION_ID}/").content.decode()
    assert '<script>alert("pwned")</script>' not in text
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in text
    assert "<img src=x onerror" not in text


def test_an_outage_is_a_plain_502(flownally, client_as, settings):
    settings.FLOWNALLY_API_URL = "http://127.0.0.1:9/v1"
    response = client_as(VIEWER).get(f"/conversations/{REFERENCE_CONVERSATION_ID}/")
    assert response.status_code == 502
    assert "Flownally is not answering right now" in response.content.decode()
