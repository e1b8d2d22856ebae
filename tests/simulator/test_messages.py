"""Sending messages and reading them back: delivery states over simulated time, the
WhatsApp 24-hour window, content and recipient validation, message history paging and
hostile text that must come back exactly as it was sent.

The contract is docs/contract-decisions.md; the API reference is
docs/reference/flownally-messaging.txt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dashboard.simulator.ids import seeded_id
from dashboard.simulator.seed import (
    HOSTILE_CONVERSATION_ID,
    REFERENCE_CONTACT_ID,
    REFERENCE_CONVERSATION_ID,
    REFERENCE_INBOX_ID,
    REFERENCE_USER_ID,
    TENANT_ID,
)

WALK_LIMIT = 200  # a walk that needs more pages than this is going round in circles
UNKNOWN_CONVERSATION_ID = "cnv_00000000000000000000000000"
UNKNOWN_CONTACT_ID = "con_00000000000000000000000000"
UNKNOWN_MESSAGE_ID = "msg_00000000000000000000000000"


# --- helpers ------------------------------------------------------------------------------


def _text(body: str) -> dict:
    return {"type": "text", "text": {"body": body}}


def _template(name: str = "order_ready") -> dict:
    return {"type": "template", "template": {"name": name, "language": "en"}}


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _predictable_delivery(sim) -> None:
    sim.control("POST", "config", {"failRate": 0, "readRate": 1})


def _reply(sim, conversation_id: str, content: dict, **kwargs):
    return sim.api(
        "POST", f"/conversations/{conversation_id}/messages", json={"content": content}, **kwargs
    )


def _get_message(sim, message_id: str) -> dict:
    response = sim.api("GET", f"/messages/{message_id}")
    assert response.status_code == 200, response.text
    return response.json()["message"]


def _history(sim, conversation_id: str) -> list[dict]:
    response = sim.api(
        "GET", f"/conversations/{conversation_id}/messages", params={"pageSize": 100}
    )
    assert response.status_code == 200, response.text
    assert response.json().get("nextPageToken") is None, (
        "the test conversation must fit in one page"
    )
    return response.json()["messages"]


def _in_history(sim, conversation_id: str, message_id: str) -> dict:
    return next(m for m in _history(sim, conversation_id) if m["id"] == message_id)


def _walk(sim, conversation_id: str, page_size: int, between_pages=None) -> list[str]:
    """Message IDs of every page of a walk, in order; `between_pages(n)` runs after page n."""
    seen: list[str] = []
    token = ""
    for page in range(WALK_LIMIT):
        response = sim.api(
            "GET",
            f"/conversations/{conversation_id}/messages",
            params={"pageSize": page_size, "pageToken": token},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["messages"]) <= page_size
        seen += [m["id"] for m in body["messages"]]
        token = body.get("nextPageToken")
        if not token:
            return seen
        if between_pages is not None:
            between_pages(page)
    raise AssertionError(
        f"the walk did not end after {WALK_LIMIT} pages; it saw {len(set(seen))} distinct messages"
    )


def _details(response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert isinstance(error["details"], list) and error["details"]
    assert response.headers["X-Request-Id"] == error["requestId"]
    return [(d["field"], d["code"]) for d in error["details"]]


def _inbox(sim, channel: str) -> str:
    response = sim.api("GET", "/inboxes", params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return next(i["id"] for i in response.json()["inboxes"] if i["channel"] == channel)


def _all_conversations(sim) -> list[dict]:
    items, token = [], ""
    for _ in range(WALK_LIMIT):
        response = sim.api("GET", "/conversations", params={"pageSize": 100, "pageToken": token})
        assert response.status_code == 200, response.text
        items += response.json()["conversations"]
        token = response.json().get("nextPageToken")
        if not token:
            return items
    raise AssertionError("the conversation list did not end")


def _long_textable_conversation(sim, at_least: int = 5) -> tuple[str, list[dict]]:
    """A generated conversation with at least `at_least` messages that accepts free text now."""
    for conv in _all_conversations(sim):
        if conv["id"] in (REFERENCE_CONVERSATION_ID, HOSTILE_CONVERSATION_ID):
            continue
        details = sim.api("GET", f"/conversations/{conv['id']}").json()
        if "text" not in details["sendability"]["allowedContentTypes"]:
            continue
        messages = _history(sim, conv["id"])
        if len(messages) >= at_least:
            return conv["id"], messages
    raise AssertionError(f"seed 7 has no conversation with {at_least} messages that accepts text")


# --- sending and delivery -----------------------------------------------------------------


def test_a_text_sent_in_the_window_is_accepted_as_pending_with_its_conversation(sim):
    _predictable_delivery(sim)
    response = _reply(sim, REFERENCE_CONVERSATION_ID, _text("Your parcel is on its way."))
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"message", "conversation"}
    message, conversation = body["message"], body["conversation"]
    assert message["id"].startswith("msg_")
    assert message["conversationId"] == REFERENCE_CONVERSATION_ID
    assert message["tenantId"] == TENANT_ID
    assert message["senderType"] == "user"
    assert message["senderId"] == REFERENCE_USER_ID
    assert message["content"] == _text("Your parcel is on its way.")
    assert message["deliveryStatus"] == "pending"
    assert message["channelMessageId"] is None
    assert message["failure"] is None
    assert message["updatedAt"] == message["createdAt"]
    assert conversation["id"] == REFERENCE_CONVERSATION_ID
    assert conversation["lastMessageSender"] == "user"
    assert conversation["lastMessagePreview"] == "Your parcel is on its way."
    assert conversation["lastMessageAt"] == message["createdAt"]
    assert response.headers["X-Request-Id"]


def test_a_sent_message_moves_through_sent_delivered_and_read_as_the_clock_advances(sim):
    _predictable_delivery(sim)
    sent = _reply(sim, REFERENCE_CONVERSATION_ID, _text("Ready for pickup.")).json()["message"]
    created = _ts(sent["createdAt"])
    channel_ids, elapsed = set(), 0
    for status, offset in (("sent", 1), ("delivered", 3), ("read", 8)):
        sim.advance(offset - elapsed)
        elapsed = offset
        polled = _get_message(sim, sent["id"])
        listed = _in_history(sim, REFERENCE_CONVERSATION_ID, sent["id"])
        for message in (polled, listed):
            assert message["deliveryStatus"] == status
            assert message["failure"] is None
            assert _ts(message["updatedAt"]) == created + timedelta(seconds=offset)
            assert isinstance(message["channelMessageId"], str) and message["channelMessageId"]
            assert message["createdAt"] == sent["createdAt"]
            channel_ids.add(message["channelMessageId"])
    assert len(channel_ids) == 1, "the channel message id does not change once assigned"


def test_a_read_message_stays_read_as_time_goes_on(sim):
    _predictable_delivery(sim)
    sent = _reply(sim, REFERENCE_CONVERSATION_ID, _text("Final state.")).json()["message"]
    sim.advance(8)
    read_at = _get_message(sim, sent["id"])["updatedAt"]
    sim.advance(3600)
    message = _get_message(sim, sent["id"])
    assert message["deliveryStatus"] == "read"
    assert message["updatedAt"] == read_at


def test_a_message_that_the_channel_rejects_ends_failed_with_a_failure_code_and_message(sim):
    sim.control("POST", "config", {"failRate": 1, "readRate": 1})
    sent = _reply(sim, REFERENCE_CONVERSATION_ID, _text("This one will not arrive.")).json()[
        "message"
    ]
    assert sent["deliveryStatus"] == "pending"
    sim.advance(10)
    for message in (
        _get_message(sim, sent["id"]),
        _in_history(sim, REFERENCE_CONVERSATION_ID, sent["id"]),
    ):
        assert message["deliveryStatus"] == "failed"
        assert message["failure"]["code"] in {
            "recipient_unreachable",
            "window_closed",
            "template_rejected",
            "media_rejected",
            "channel_rate_limited",
            "unknown",
        }
        assert isinstance(message["failure"]["message"], str) and message["failure"]["message"]
        assert _ts(message["updatedAt"]) > _ts(message["createdAt"])
    sim.advance(3600)
    assert _get_message(sim, sent["id"])["deliveryStatus"] == "failed"


def test_the_control_api_can_force_a_message_to_fail(sim):
    _predictable_delivery(sim)
    sent = _reply(sim, REFERENCE_CONVERSATION_ID, _text("Forced to fail.")).json()["message"]
    sim.advance(1)
    forced = sim.control(
        "POST",
        f"messages/{sent['id']}/delivery",
        {"deliveryStatus": "failed", "failureCode": "window_closed"},
    )
    assert forced["message"]["deliveryStatus"] == "failed"
    sim.advance(30)  # the planned delivered/read times must not override the forced failure
    message = _get_message(sim, sent["id"])
    assert message["deliveryStatus"] == "failed"
    assert message["failure"]["code"] == "window_closed"
    assert message["failure"]["message"]


# --- the WhatsApp 24-hour window ----------------------------------------------------------


def test_after_the_whatsapp_window_closes_free_text_is_refused_on_content_type(sim):
    sim.advance(24 * 3600 + 1)
    details = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()["sendability"]
    assert details["window"] == "closed"
    assert details["allowedContentTypes"] == ["template"]
    before = len(_history(sim, REFERENCE_CONVERSATION_ID))
    response = _reply(sim, REFERENCE_CONVERSATION_ID, _text("Are you still there?"))
    assert ("content.type", "not_allowed") in _details(response)
    assert len(_history(sim, REFERENCE_CONVERSATION_ID)) == before


def test_after_the_whatsapp_window_closes_an_approved_template_is_accepted(sim):
    sim.advance(24 * 3600 + 1)
    response = _reply(sim, REFERENCE_CONVERSATION_ID, _template("welcome_back"))
    assert response.status_code == 202, response.text
    assert response.json()["message"]["content"] == _template("welcome_back")
    assert response.json()["conversation"]["lastMessagePreview"] == "welcome_back"


def test_a_template_that_is_not_approved_is_refused_on_its_name(sim):
    sim.advance(24 * 3600 + 1)
    response = _reply(sim, REFERENCE_CONVERSATION_ID, _template("free_pizza_friday"))
    assert ("content.template.name", "unknown") in _details(response)


# --- content validation -------------------------------------------------------------------


def _refused_without_a_new_message(sim, content, field: str, code: str) -> None:
    before = len(_history(sim, REFERENCE_CONVERSATION_ID))
    response = sim.api(
        "POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages", json={"content": content}
    )
    assert (field, code) in _details(response)
    assert len(_history(sim, REFERENCE_CONVERSATION_ID)) == before


def test_content_without_a_type_is_refused(sim):
    _refused_without_a_new_message(sim, {"text": {"body": "hi"}}, "content.type", "required")


def test_content_of_an_unknown_type_is_refused(sim):
    _refused_without_a_new_message(
        sim, {"type": "sticker", "sticker": {"id": "cat"}}, "content.type", "invalid"
    )


def test_text_content_without_its_text_object_is_refused(sim):
    _refused_without_a_new_message(sim, {"type": "text"}, "content.text", "required")


def test_text_content_with_a_second_media_variant_is_refused(sim):
    content = {
        "type": "text",
        "text": {"body": "hi"},
        "media": {"mediaId": "mda_00000000000000000000000000"},
    }
    _refused_without_a_new_message(sim, content, "content.media", "unexpected")


def test_text_content_with_an_empty_body_is_refused(sim):
    _refused_without_a_new_message(sim, _text(""), "content.text.body", "too_short")


def test_text_content_of_4097_characters_is_refused(sim):
    _refused_without_a_new_message(sim, _text("a" * 4097), "content.text.body", "too_long")


def test_a_request_without_content_is_refused(sim):
    response = sim.api("POST", f"/conversations/{REFERENCE_CONVERSATION_ID}/messages", json={})
    assert ("content", "required") in _details(response)


def test_text_content_of_exactly_4096_characters_is_accepted_whole(sim):
    body = "ż" + "a" * 4094 + "ż"
    response = _reply(sim, REFERENCE_CONVERSATION_ID, _text(body))
    assert response.status_code == 202, response.text
    assert _get_message(sim, response.json()["message"]["id"])["content"]["text"]["body"] == body


# --- POST /messages recipients ------------------------------------------------------------


def _send(sim, recipient: dict, content: dict, inbox_id: str | None = None):
    body = {"recipient": recipient, "content": content}
    if inbox_id is not None:
        body["inboxId"] = inbox_id
    return sim.api("POST", "/messages", json=body)


def test_a_conversation_recipient_continues_that_conversation(sim):
    response = _send(
        sim,
        {"type": "conversation", "conversationId": REFERENCE_CONVERSATION_ID},
        _text("Hello again"),
    )
    assert response.status_code == 202, response.text
    assert response.json()["message"]["conversationId"] == REFERENCE_CONVERSATION_ID
    assert response.json()["conversation"]["id"] == REFERENCE_CONVERSATION_ID


def test_a_contact_recipient_continues_the_contacts_conversation(sim):
    response = _send(sim, {"type": "contact", "contactId": REFERENCE_CONTACT_ID}, _text("Hi Anna"))
    assert response.status_code == 202, response.text
    assert response.json()["message"]["conversationId"] == REFERENCE_CONVERSATION_ID
    assert response.json()["conversation"]["contactId"] == REFERENCE_CONTACT_ID


def test_a_channel_recipient_with_a_formatted_phone_number_finds_the_stored_digits(sim):
    before = len(_all_conversations(sim))
    recipient = {"type": "channel", "channel": "whatsapp", "externalId": "+48 123 456 789"}
    for inbox_id in (None, REFERENCE_INBOX_ID):
        response = _send(sim, recipient, _text("Your order is ready."), inbox_id)
        assert response.status_code == 202, response.text
        assert response.json()["message"]["conversationId"] == REFERENCE_CONVERSATION_ID
        assert response.json()["conversation"]["externalId"] == "48123456789"
    assert len(_all_conversations(sim)) == before


def test_a_new_channel_recipient_without_an_inbox_is_refused_with_inbox_id_required(sim):
    recipient = {"type": "channel", "channel": "sms", "externalId": "+48 600 700 800"}
    assert ("inboxId", "required") in _details(_send(sim, recipient, _text("Hello")))


def test_a_new_channel_recipient_with_an_inbox_starts_a_new_conversation(sim):
    sms_inbox = _inbox(sim, "sms")
    before = {c["id"] for c in _all_conversations(sim)}
    recipient = {"type": "channel", "channel": "sms", "externalId": "+48 (600) 700-800"}
    response = _send(sim, recipient, _text("Your appointment is tomorrow."), sms_inbox)
    assert response.status_code == 202, response.text
    conversation = response.json()["conversation"]
    assert conversation["id"] not in before
    assert conversation["channel"] == "sms"
    assert conversation["inboxId"] == sms_inbox
    assert conversation["externalId"] == "48600700800"
    assert response.json()["message"]["conversationId"] == conversation["id"]
    assert sim.api("GET", f"/conversations/{conversation['id']}").status_code == 200
    assert conversation["id"] in {c["id"] for c in _all_conversations(sim)}
    # The second message to the same address continues the new conversation.
    again = _send(sim, recipient, _text("See you then."))
    assert again.status_code == 202, again.text
    assert again.json()["message"]["conversationId"] == conversation["id"]


def test_a_new_whatsapp_recipient_must_be_started_with_a_template(sim):
    before = len(_all_conversations(sim))
    recipient = {"type": "channel", "channel": "whatsapp", "externalId": "+48 601 222 333"}
    refused = _send(sim, recipient, _text("Hi there"), REFERENCE_INBOX_ID)
    assert ("content.type", "not_allowed") in _details(refused)
    assert len(_all_conversations(sim)) == before, (
        "a refused first message must not leave a conversation behind"
    )
    accepted = _send(sim, recipient, _template("order_ready"), REFERENCE_INBOX_ID)
    assert accepted.status_code == 202, accepted.text
    conversation = accepted.json()["conversation"]
    assert conversation["channel"] == "whatsapp"
    assert conversation["externalId"] == "48601222333"
    assert len(_all_conversations(sim)) == before + 1


def test_an_inbox_on_another_channel_than_the_recipient_is_refused(sim):
    sms_inbox = _inbox(sim, "sms")
    recipient = {"type": "channel", "channel": "whatsapp", "externalId": "+48123456789"}
    assert "inboxId" in [
        field for field, _ in _details(_send(sim, recipient, _text("Hi"), sms_inbox))
    ]
    conversation = {"type": "conversation", "conversationId": REFERENCE_CONVERSATION_ID}
    assert "inboxId" in [
        field for field, _ in _details(_send(sim, conversation, _text("Hi"), sms_inbox))
    ]


def test_a_new_webchat_visitor_cannot_be_messaged_first(sim):
    recipient = {"type": "channel", "channel": "webchat", "externalId": "visitor-never-seen"}
    _details(_send(sim, recipient, _text("Hi"), _inbox(sim, "webchat")))


def test_an_unknown_conversation_recipient_is_refused(sim):
    response = _send(
        sim, {"type": "conversation", "conversationId": UNKNOWN_CONVERSATION_ID}, _text("Hi")
    )
    assert ("recipient.conversationId", "unknown") in _details(response)


def test_an_unknown_contact_recipient_is_refused(sim):
    response = _send(sim, {"type": "contact", "contactId": UNKNOWN_CONTACT_ID}, _text("Hi"))
    assert ("recipient.contactId", "unknown") in _details(response)


# --- message history ------------------------------------------------------------------------


def test_message_history_is_newest_first(sim):
    conversation_id, messages = _long_textable_conversation(sim)
    times = [_ts(m["createdAt"]) for m in messages]
    assert times == sorted(times, reverse=True)
    assert all(m["conversationId"] == conversation_id for m in messages)


def test_a_walk_with_page_size_2_returns_every_message_once_newest_first(sim):
    conversation_id, messages = _long_textable_conversation(sim)
    assert _walk(sim, conversation_id, 2) == [m["id"] for m in messages]


def test_a_walk_over_messages_sent_in_the_same_instant_returns_each_once(sim):
    # The clock is frozen, so these replies share one timestamp.
    for n in range(6):
        assert _reply(sim, REFERENCE_CONVERSATION_ID, _text(f"Reply {n}")).status_code == 202
    expected = [m["id"] for m in _history(sim, REFERENCE_CONVERSATION_ID)]
    assert len(expected) == 9
    walked = _walk(sim, REFERENCE_CONVERSATION_ID, 2)
    assert sorted(walked) == sorted(expected), "every message exactly once"
    assert walked == expected


def test_the_last_of_several_messages_sent_in_one_instant_is_the_newest(sim):
    for n in range(5):
        response = _reply(sim, REFERENCE_CONVERSATION_ID, _text(f"Burst {n}"))
        assert response.status_code == 202, response.text
        assert response.json()["conversation"]["lastMessagePreview"] == f"Burst {n}"
    history = _history(sim, REFERENCE_CONVERSATION_ID)
    assert [m["content"]["text"]["body"] for m in history[:5]] == [
        f"Burst {n}" for n in range(4, -1, -1)
    ]
    details = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
    assert details["lastMessagePreview"] == "Burst 4"


def test_messages_sent_during_a_walk_cause_no_duplicates_or_skips_of_older_ones(sim):
    conversation_id, messages = _long_textable_conversation(sim)
    sent: list[str] = []

    def send_two(_page: int) -> None:
        sim.advance(1)
        for _ in range(2):
            response = _reply(sim, conversation_id, _text(f"Sent during the walk {len(sent)}"))
            assert response.status_code == 202, response.text
            sent.append(response.json()["message"]["id"])

    walked = _walk(sim, conversation_id, 2, between_pages=send_two)
    assert sent, "the walk had more than one page"
    assert walked == [m["id"] for m in messages]
    assert not set(walked) & set(sent)


def test_an_unknown_message_id_is_not_found(sim):
    for message_id in (UNKNOWN_MESSAGE_ID, "msg_x", seeded_id("msg", 7, 5, 999)):
        response = sim.api("GET", f"/messages/{message_id}")
        assert response.status_code == 404, (message_id, response.text)
        assert response.json()["error"]["code"] == "not_found"


def test_a_seeded_message_from_a_conversations_history_resolves_by_id(sim):
    conversation_id, messages = _long_textable_conversation(sim)
    for listed in messages:
        response = sim.api("GET", f"/messages/{listed['id']}")
        assert response.status_code == 200, response.text
        assert response.json()["message"] == listed
        assert response.json()["conversation"]["id"] == conversation_id


def test_a_seeded_message_resolves_before_its_conversation_was_ever_listed(sim):
    sim.reset()
    index = 5  # the sixth generated conversation; its first message always exists
    message_id = seeded_id("msg", 7, index, 0)
    response = sim.api("GET", f"/messages/{message_id}")
    assert response.status_code == 200, response.text
    message, conversation = response.json()["message"], response.json()["conversation"]
    assert message["id"] == message_id
    assert message["conversationId"] == seeded_id("cnv", 7, index)
    assert conversation["id"] == seeded_id("cnv", 7, index)
    # The history generated afterwards holds the very same message as its oldest.
    history = _history(sim, conversation["id"])
    assert history[-1] == message


# --- hostile text ---------------------------------------------------------------------------

HOSTILE_TEXTS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\u202etxt.exe\u202c \u200f\u05e9\u05dc\u05d5\u05dd\u200f zero\u200bwidth\u200d joiner e\u0301\u0302\u0303\u0304 \ufeffbom",
    "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🧑🏿‍💻",
    "line one\nline two\r\n\ttabbed\n\n",
    "&lt;b&gt; &amp; \"quoted\" 'single' \\backslash\\ {{ template }} ${expr}",
)


def test_hostile_text_round_trips_byte_for_byte(sim):
    for text in HOSTILE_TEXTS:
        response = _reply(sim, REFERENCE_CONVERSATION_ID, _text(text))
        assert response.status_code == 202, response.text
        message_id = response.json()["message"]["id"]
        assert response.json()["message"]["content"]["text"]["body"] == text
        assert _get_message(sim, message_id)["content"]["text"]["body"] == text
        assert (
            _in_history(sim, REFERENCE_CONVERSATION_ID, message_id)["content"]["text"]["body"]
            == text
        )


def test_markup_is_returned_raw_not_escaped(sim):
    for text in HOSTILE_TEXTS[:2]:
        message_id = _reply(sim, REFERENCE_CONVERSATION_ID, _text(text)).json()["message"]["id"]
        raw = sim.api("GET", f"/messages/{message_id}").content
        assert text.encode() in raw
        assert b"&lt;" not in raw and b"\\u003c" not in raw


def test_the_preview_is_the_first_200_characters_of_a_hostile_body(sim):
    body = "<script>alert(1)</script>\u202e\u200b" + "é" * 100 + "x" * 200 + "👨‍👩‍👧‍👦"
    response = _reply(sim, REFERENCE_CONVERSATION_ID, _text(body))
    assert response.status_code == 202, response.text
    assert response.json()["conversation"]["lastMessagePreview"] == body[:200]
    details = sim.api("GET", f"/conversations/{REFERENCE_CONVERSATION_ID}").json()
    assert details["lastMessagePreview"] == body[:200]
    assert _get_message(sim, response.json()["message"]["id"])["content"]["text"]["body"] == body


def test_the_hostile_conversations_stored_messages_come_back_verbatim(sim):
    messages = _history(sim, HOSTILE_CONVERSATION_ID)
    bodies = [m["content"]["text"]["body"] for m in reversed(messages)]
    assert bodies == [
        '<script>alert("pwned")</script>',
        "<img src=x onerror=alert(document.cookie)>",
        "Ignore\u200b previous\u202e instructions \U0001f600" + "\u0301" * 30,
    ]
    conversation = sim.api("GET", f"/conversations/{HOSTILE_CONVERSATION_ID}").json()
    assert conversation["contactName"] == "Mallory <img src=x onerror=alert(1)>"
    assert conversation["channel"] == "webchat"
    raw = sim.api("GET", f"/conversations/{HOSTILE_CONVERSATION_ID}/messages").content
    assert b"<img src=x onerror=alert(document.cookie)>" in raw
    assert b"&lt;" not in raw
