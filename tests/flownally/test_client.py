"""Every client function against the real simulator, and the typed result it returns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.flownally import client
from dashboard.flownally.errors import NotFound, Unavailable, ValidationFailed
from dashboard.flownally.models import (
    Conversation,
    ConversationDetails,
    Inbox,
    MediaContent,
    MediaUpload,
    Message,
    Page,
    Reaction,
    SendResult,
    TemplateContent,
    TextContent,
    User,
)
from dashboard.simulator.seed import (
    HOSTILE_CONVERSATION_ID,
    REFERENCE_CONTACT_ID,
    REFERENCE_CONVERSATION_ID,
    REFERENCE_INBOX_ID,
    REFERENCE_MESSAGE_ID,
    REFERENCE_USER_ID,
    sample_pdf,
    sample_png,
)

REF = REFERENCE_CONVERSATION_ID
UNKNOWN_CONVERSATION = "cnv_" + "0" * 26
NEW_WHATSAPP_NUMBER = "+48600700800"
DAY = 24 * 3600


@pytest.fixture
def long_cache(settings):
    """TTLs far longer than any test: a fresh answer after a write can only come from the
    write's invalidation, never from an entry that happened to expire."""
    settings.FLOWNALLY_CACHE_TTL_LIST = 300
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 300
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = 300
    settings.FLOWNALLY_CACHE_TTL_DIRECTORY = 300


def direct_ids(sim, path: str, key: str, **params) -> list[str]:
    response = sim.api("GET", path, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()[key]]


def message_ids(sim, conversation_id: str) -> list[str]:
    return direct_ids(sim, f"/conversations/{conversation_id}/messages", "messages", pageSize=100)


def other_active_user(sim) -> str:
    users = sim.api("GET", "/users", params={"pageSize": 100}).json()["users"]
    return next(u["id"] for u in users if u["active"] and u["id"] != REFERENCE_USER_ID)


# --- conversation_list / iter_conversations -----------------------------------------------------


def test_conversation_list_returns_a_page_of_conversations_newest_activity_first(flownally):
    page = client.conversation_list()
    assert isinstance(page, Page)
    assert len(page.items) == 25
    assert all(isinstance(item, Conversation) for item in page.items)
    times = [item.last_message_at for item in page.items]
    assert times == sorted(times, reverse=True)
    assert page.items[0].id == REF
    assert isinstance(page.next_page_token, str) and page.next_page_token
    assert page.stale is False


def test_conversation_list_returns_the_same_conversations_as_the_api(flownally):
    page = client.conversation_list(page_size=40)
    assert [c.id for c in page.items] == direct_ids(
        flownally, "/conversations", "conversations", pageSize=40
    )


def test_conversation_list_filters_by_one_status(flownally):
    page = client.conversation_list(status=("closed",), page_size=50)
    assert page.items
    assert {c.status for c in page.items} == {"closed"}
    assert [c.id for c in page.items] == direct_ids(
        flownally, "/conversations", "conversations", status="closed", pageSize=50
    )


def test_conversation_list_filters_by_several_statuses(flownally):
    page = client.conversation_list(status=["open", "pending"], page_size=100)
    assert {c.status for c in page.items} == {"open", "pending"}
    assert [c.id for c in page.items] == direct_ids(
        flownally, "/conversations", "conversations", status="open,pending", pageSize=100
    )


@pytest.mark.parametrize("interacted", [True, False])
def test_conversation_list_filters_by_interacted(flownally, interacted):
    page = client.conversation_list(interacted=interacted, page_size=100)
    assert page.items
    assert [c.id for c in page.items] == direct_ids(
        flownally,
        "/conversations",
        "conversations",
        interacted=str(interacted).lower(),
        pageSize=100,
    )
    client_request = flownally.logged(2, route="GET /conversations")[0]
    assert f"interacted={str(interacted).lower()}" in client_request["query"]


def test_conversations_with_and_without_interaction_do_not_overlap(flownally):
    touched = {c.id for c in client.conversation_list(interacted=True, page_size=100).items}
    untouched = {c.id for c in client.conversation_list(interacted=False, page_size=100).items}
    assert touched and untouched
    assert not touched & untouched
    assert REF in touched
    assert HOSTILE_CONVERSATION_ID in untouched


def test_conversation_list_sorts_by_creation_newest_first(flownally):
    page = client.conversation_list(sort="createdAt:desc", page_size=100)
    created = [c.created_at for c in page.items]
    assert created == sorted(created, reverse=True)
    assert [c.id for c in page.items] == direct_ids(
        flownally, "/conversations", "conversations", sort="createdAt:desc", pageSize=100
    )


def test_conversation_list_sorts_the_longest_waiting_first(flownally):
    page = client.conversation_list(sort="waitingSince:asc", page_size=30)
    waiting = [c.waiting_since for c in page.items if c.waiting_since is not None]
    assert waiting and waiting == sorted(waiting)
    assert page.items[0].waiting_since is not None
    assert [c.id for c in page.items] == direct_ids(
        flownally, "/conversations", "conversations", sort="waitingSince:asc", pageSize=30
    )


@pytest.mark.parametrize("size", [1, 7, 100])
def test_conversation_list_returns_page_size_items(flownally, size):
    assert len(client.conversation_list(page_size=size).items) == size


def test_the_next_page_token_leads_to_the_next_page(flownally):
    first = client.conversation_list(page_size=10)
    second = client.conversation_list(page_size=10, page_token=first.next_page_token)
    ids = [c.id for c in first.items + second.items]
    assert len(set(ids)) == 20
    assert ids == direct_ids(flownally, "/conversations", "conversations", pageSize=20)


def test_the_last_page_has_no_next_page_token(flownally):
    page = client.conversation_list(status=("closed",), page_size=100)
    token, pages = page.next_page_token, 1
    while token:
        page = client.conversation_list(status=("closed",), page_size=100, page_token=token)
        token, pages = page.next_page_token, pages + 1
    assert page.next_page_token is None
    assert pages >= 1


def test_iter_conversations_walks_a_ten_thousand_conversation_tenant_to_the_end(
    flownally, no_cache
):
    flownally.reset(conversations=10_000)
    seen = [c.id for c in client.iter_conversations(page_size=100)]
    total = flownally.control("GET", "health")["conversations"]
    assert total >= 10_000
    assert len(seen) == total
    assert len(set(seen)) == len(seen), "a conversation was served twice"
    expected_pages = -(-total // 100)
    assert len(flownally.logged(expected_pages, route="GET /conversations")) == expected_pages


def test_iter_conversations_applies_the_filters_on_every_page(flownally):
    closed = list(client.iter_conversations(status=("closed",), page_size=20))
    assert {c.status for c in closed} == {"closed"}
    assert len(closed) == flownally.control("GET", "health")["byStatus"]["closed"]
    assert len({c.id for c in closed}) == len(closed)
    assert len(flownally.logged(2, route="GET /conversations")) > 1


# --- conversation_get ------------------------------------------------------------------------


def test_conversation_get_returns_the_details_with_an_open_whatsapp_window(flownally):
    details = client.conversation_get(REF)
    assert isinstance(details, ConversationDetails)
    assert details.id == REF
    assert details.channel == "whatsapp"
    assert details.name == "Anna Kowalska"
    assert details.contact_id == REFERENCE_CONTACT_ID
    assert details.inbox_id == REFERENCE_INBOX_ID
    assert details.assignee_id == REFERENCE_USER_ID
    assert details.status == "open"
    window = details.sendability
    assert window.window == "open"
    assert window.free_text is True
    assert set(window.allowed_content_types) == {"text", "media", "template"}
    assert window.window_expires_at == details.last_customer_message_at + timedelta(days=1)


def test_conversation_get_says_a_webchat_conversation_has_no_window_and_no_templates(flownally):
    details = client.conversation_get(HOSTILE_CONVERSATION_ID)
    assert details.channel == "webchat"
    assert details.sendability.window == "none"
    assert details.sendability.window_expires_at is None
    assert set(details.sendability.allowed_content_types) == {"text", "media"}
    assert details.sendability.free_text is True
    assert details.name.startswith("Mallory <img")


def test_conversation_get_says_only_templates_25_hours_after_the_customer_wrote(flownally):
    flownally.advance(25 * 3600)
    details = client.conversation_get(REF)
    assert details.sendability.window == "closed"
    assert details.sendability.allowed_content_types == ("template",)
    assert details.sendability.free_text is False


def test_conversation_get_of_an_unknown_conversation_is_not_found(flownally):
    with pytest.raises(NotFound):
        client.conversation_get(UNKNOWN_CONVERSATION)


# --- conversation_messages / iter_messages / message_get -----------------------------------------


def test_conversation_messages_returns_the_messages_newest_first(flownally):
    page = client.conversation_messages(REF)
    assert all(isinstance(m, Message) for m in page.items)
    assert [m.id for m in page.items] == message_ids(flownally, REF)
    assert len(page.items) == 3
    times = [m.created_at for m in page.items]
    assert times == sorted(times, reverse=True)
    assert page.next_page_token is None
    answer = page.items[1]
    assert answer.id == REFERENCE_MESSAGE_ID
    assert answer.content == TextContent("Hi Anna, your order is ready for pickup.")
    assert answer.sender_type == "user"
    assert answer.sender_id == REFERENCE_USER_ID
    assert {m.sender_type for m in page.items} == {"user", "customer"}
    assert all(m.conversation_id == REF for m in page.items)


def test_conversation_messages_pages_to_older_messages_with_the_token(flownally):
    first = client.conversation_messages(REF, page_size=2)
    assert len(first.items) == 2
    assert first.next_page_token
    second = client.conversation_messages(REF, page_size=2, page_token=first.next_page_token)
    assert len(second.items) == 1
    assert second.next_page_token is None
    assert [m.id for m in first.items + second.items] == message_ids(flownally, REF)


def test_iter_messages_yields_every_message_newest_first_page_after_page(flownally, no_cache):
    seen = [m.id for m in client.iter_messages(REF, page_size=1)]
    assert seen == message_ids(flownally, REF)
    assert len(flownally.logged(4, route="GET /conversations/{id}/messages")) == 4  # 3 + the direct


def test_iter_messages_walks_a_long_conversation(flownally):
    longest = max(
        (c for c in client.conversation_list(page_size=60).items),
        key=lambda c: len(message_ids(flownally, c.id)),
    )
    expected = message_ids(flownally, longest.id)
    assert len(expected) > 3
    assert [m.id for m in client.iter_messages(longest.id, page_size=2)] == expected


def test_message_get_returns_the_message_and_its_conversation(flownally):
    found = client.message_get(REFERENCE_MESSAGE_ID)
    assert isinstance(found, SendResult)
    assert found.message.id == REFERENCE_MESSAGE_ID
    assert found.message.content == TextContent("Hi Anna, your order is ready for pickup.")
    assert found.message.channel_message_id == "wamid.HBgLMjQxMjM0NTY3ODkVAgARGBI"
    assert isinstance(found.conversation, Conversation)
    assert found.conversation.id == REF


def test_message_get_of_an_unknown_message_is_not_found(flownally):
    with pytest.raises(NotFound):
        client.message_get("msg_" + "0" * 26)


# --- message_send ----------------------------------------------------------------------------


def assert_sent(result: SendResult, conversation_id: str, body: str) -> None:
    assert isinstance(result, SendResult)
    assert result.conversation.id == conversation_id
    message = result.message
    assert message.conversation_id == conversation_id
    assert message.sender_type == "user"
    assert message.sender_id == REFERENCE_USER_ID
    assert message.content == TextContent(body)
    assert message.delivery_status == "pending"
    assert message.in_flight is True
    assert result.conversation.last_message_preview == body
    assert result.conversation.last_message_sender == "user"


def test_message_send_to_a_conversation(flownally):
    before = message_ids(flownally, REF)
    result = client.message_send(client.to_conversation(REF), client.text("On its way."))
    assert_sent(result, REF, "On its way.")
    assert message_ids(flownally, REF) == [result.message.id, *before]


def test_message_send_to_a_contact_continues_their_latest_conversation(flownally):
    result = client.message_send(client.to_contact(REFERENCE_CONTACT_ID), client.text("Hello"))
    assert_sent(result, REF, "Hello")
    assert result.conversation.contact_id == REFERENCE_CONTACT_ID


def test_message_send_to_a_channel_address_continues_its_conversation(flownally):
    result = client.message_send(
        client.to_channel("whatsapp", "+48123456789"), client.text("Same number")
    )
    assert_sent(result, REF, "Same number")
    assert result.conversation.external_id == "48123456789"


def test_message_send_to_a_channel_address_on_an_inbox(flownally):
    result = client.message_send(
        client.to_channel("whatsapp", "48123456789"),
        client.text("Via the support inbox"),
        inbox_id=REFERENCE_INBOX_ID,
    )
    assert_sent(result, REF, "Via the support inbox")
    assert result.conversation.inbox_id == REFERENCE_INBOX_ID


def test_message_send_starts_a_whatsapp_conversation_with_a_template(flownally):
    result = client.message_send(
        client.to_channel("whatsapp", NEW_WHATSAPP_NUMBER),
        client.template("order_ready", "en", ["4827"]),
        inbox_id=REFERENCE_INBOX_ID,
    )
    new = result.conversation
    assert new.id != REF and new.id.startswith("cnv_")
    assert new.channel == "whatsapp"
    assert new.external_id == "48600700800"
    assert new.inbox_id == REFERENCE_INBOX_ID
    assert new.status == "open"
    assert result.message.content == TemplateContent("order_ready", "en", ("4827",))
    assert result.message.conversation_id == new.id
    details = client.conversation_get(new.id)
    assert details.sendability.window == "closed"
    assert details.sendability.free_text is False


def test_message_send_refuses_free_text_to_a_new_whatsapp_number(flownally):
    with pytest.raises(ValidationFailed) as raised:
        client.message_send(
            client.to_channel("whatsapp", NEW_WHATSAPP_NUMBER),
            client.text("Hi!"),
            inbox_id=REFERENCE_INBOX_ID,
        )
    assert [d.code for d in raised.value.for_field("content.type")] == ["not_allowed"]


def test_a_sent_message_can_be_read_back_with_message_get(flownally):
    sent = client.message_send(client.to_conversation(REF), client.text("Read me back"))
    found = client.message_get(sent.message.id)
    assert found.message.id == sent.message.id
    assert found.message.content == TextContent("Read me back")
    assert found.conversation.id == REF


# --- conversation_message_send -----------------------------------------------------------------


def test_conversation_message_send_replies_with_text(flownally):
    result = client.conversation_message_send(REF, client.text("Your parcel left today."))
    assert_sent(result, REF, "Your parcel left today.")
    assert message_ids(flownally, REF)[0] == result.message.id


def test_conversation_message_send_on_the_conversations_inbox(flownally):
    result = client.conversation_message_send(
        REF, client.text("From support"), inbox_id=REFERENCE_INBOX_ID
    )
    assert_sent(result, REF, "From support")


def test_conversation_message_send_sends_a_template_outside_the_window(flownally):
    flownally.advance(25 * 3600)
    with pytest.raises(ValidationFailed) as raised:
        client.conversation_message_send(REF, client.text("Too late for free text"))
    assert [d.code for d in raised.value.for_field("content.type")] == ["not_allowed"]
    result = client.conversation_message_send(
        REF, client.template("appointment_reminder", "pl", ["jutro 10:00"])
    )
    assert result.message.content == TemplateContent("appointment_reminder", "pl", ("jutro 10:00",))
    assert result.conversation.id == REF
    assert message_ids(flownally, REF)[0] == result.message.id


def test_conversation_message_send_sends_an_uploaded_image(flownally):
    png = sample_png()
    upload = client.media_upload("parcel.png", "image/png", png)
    result = client.conversation_message_send(
        REF, client.media(upload.media_id, caption="Your parcel")
    )
    content = result.message.content
    assert isinstance(content, MediaContent)
    assert content.media_id == upload.media_id
    assert content.caption == "Your parcel"
    assert content.media_type == "image"
    assert content.mime_type == "image/png"
    assert content.filename == "parcel.png"
    assert content.file_size == len(png)
    assert content.url == upload.url
    assert result.conversation.last_message_preview == "Your parcel"


# --- message_react -----------------------------------------------------------------------------


def test_message_react_adds_a_reaction(flownally):
    reaction = client.message_react(REFERENCE_MESSAGE_ID, "👍")
    assert isinstance(reaction, Reaction)
    assert reaction.id.startswith("rxn_")
    assert reaction.message_id == REFERENCE_MESSAGE_ID
    assert reaction.emoji == "👍"
    assert reaction.sender_type == "user"
    assert reaction.sender_id == REFERENCE_USER_ID
    assert reaction.removed is False
    assert reaction.created_at is not None
    (shown,) = client.message_get(REFERENCE_MESSAGE_ID).message.reactions
    assert (shown.id, shown.emoji) == (reaction.id, "👍")


def test_message_react_removes_a_reaction(flownally):
    client.message_react(REFERENCE_MESSAGE_ID, "heart")
    assert client.message_get(REFERENCE_MESSAGE_ID).message.reactions
    removed = client.message_react(REFERENCE_MESSAGE_ID, "heart", removed=True)
    assert removed.removed is True
    assert removed.emoji == "heart"
    assert client.message_get(REFERENCE_MESSAGE_ID).message.reactions == ()


# --- reassign, read, close -------------------------------------------------------------------


def test_conversation_reassign_assigns_and_opens_a_pending_conversation(flownally):
    user_id = other_active_user(flownally)
    assert client.conversation_get(HOSTILE_CONVERSATION_ID).status == "pending"
    assert client.conversation_reassign(HOSTILE_CONVERSATION_ID, user_id) is None
    details = client.conversation_get(HOSTILE_CONVERSATION_ID)
    assert details.assignee_id == user_id
    assert details.status == "open"


def test_conversation_reassign_to_an_unknown_user_is_refused_field_by_field(flownally):
    with pytest.raises(ValidationFailed) as raised:
        client.conversation_reassign(REF, "usr_" + "0" * 26)
    assert [d.code for d in raised.value.for_field("userId")] == ["unknown"]


def test_conversation_read_marks_messages_read_and_returns_the_conversation(flownally):
    newest = message_ids(flownally, REF)[0]
    marked = client.conversation_read(REF, REFERENCE_MESSAGE_ID)
    assert isinstance(marked, Conversation)
    assert marked.id == REF
    assert marked.unread_count == 1
    assert client.conversation_read(REF, newest).unread_count == 0


def test_conversation_close_closes_the_conversation(flownally):
    assert client.conversation_close(REF) is None
    details = client.conversation_get(REF)
    assert details.status == "closed"
    assert details.waiting_since is None
    assert client.conversation_close(REF) is None  # closing a closed conversation is fine


# --- inboxes and users -------------------------------------------------------------------------


def test_inbox_list_returns_the_inboxes(flownally):
    page = client.inbox_list()
    assert len(page.items) == 5
    assert all(isinstance(i, Inbox) for i in page.items)
    assert page.next_page_token is None
    support = next(i for i in page.items if i.id == REFERENCE_INBOX_ID)
    assert support == Inbox(REFERENCE_INBOX_ID, "Support WhatsApp", "whatsapp", "48500100200")
    assert {i.channel for i in page.items} == {"whatsapp", "sms", "email", "webchat"}


def test_inbox_list_pages_with_the_token(flownally):
    first = client.inbox_list(page_size=2)
    assert len(first.items) == 2
    assert first.next_page_token
    second = client.inbox_list(page_size=2, page_token=first.next_page_token)
    assert not {i.id for i in first.items} & {i.id for i in second.items}


def test_iter_inboxes_yields_every_inbox_once(flownally):
    everything = [i.id for i in client.iter_inboxes()]
    assert sorted(everything) == sorted(
        i["id"] for i in flownally.api("GET", "/inboxes").json()["inboxes"]
    )
    assert len(set(everything)) == len(everything) == 5


def test_user_list_returns_the_team_with_roles_and_activity(flownally):
    page = client.user_list()
    assert len(page.items) == 9
    assert all(isinstance(u, User) for u in page.items)
    owner = next(u for u in page.items if u.id == REFERENCE_USER_ID)
    assert (owner.name, owner.role, owner.active) == ("Marta Zielińska", "owner", True)
    assert owner.email == "marta.zielinska@acme.example"
    inactive = [u.name for u in page.items if not u.active]
    assert inactive == ["Paweł Krawczyk"]


def test_user_list_pages_with_the_token(flownally):
    first = client.user_list(page_size=4)
    second = client.user_list(page_size=4, page_token=first.next_page_token)
    third = client.user_list(page_size=4, page_token=second.next_page_token)
    ids = [u.id for u in first.items + second.items + third.items]
    assert len(ids) == len(set(ids)) == 9
    assert third.next_page_token is None


def test_iter_users_yields_every_user_once(flownally):
    everything = [u.id for u in client.iter_users()]
    assert len(everything) == len(set(everything)) == 9
    assert REFERENCE_USER_ID in everything


# --- media -------------------------------------------------------------------------------------


def test_media_upload_returns_the_media_id_and_file_fields(flownally):
    png = sample_png()
    upload = client.media_upload("parcel.png", "image/png", png)
    assert isinstance(upload, MediaUpload)
    assert upload.media_id.startswith("mda_")
    assert upload.media_type == "image"
    assert upload.mime_type == "image/png"
    assert upload.filename == "parcel.png"
    assert upload.file_size == len(png)
    assert upload.url.startswith("/media/tn_")
    assert upload.url.endswith(f"/uploads/{upload.media_id}")


def test_media_download_streams_back_the_uploaded_bytes_and_their_type(flownally):
    png = sample_png()
    upload = client.media_upload("parcel.png", "image/png", png)
    answer = client.media_download(upload.url)
    assert answer.status == 200
    assert answer.body is None
    assert answer.raw is not None
    with answer.raw as response:
        assert response.headers["Content-Type"] == "image/png"
        assert answer.headers["Content-Type"] == "image/png"
        assert response.content == png
    assert response.raw.closed


def test_a_pdf_goes_up_as_a_document_and_comes_back_byte_for_byte(flownally):
    pdf = sample_pdf()
    upload = client.media_upload("invoice.pdf", "application/pdf", pdf)
    assert upload.media_type == "document"
    answer = client.media_download(upload.url)
    try:
        assert answer.headers["Content-Type"] == "application/pdf"
        assert b"".join(answer.raw.iter_content(1024)) == pdf
    finally:
        answer.raw.close()


# --- fan_out -----------------------------------------------------------------------------------


def test_fan_out_returns_the_results_in_the_order_of_the_calls(flownally):
    # The first call is the slowest, so finishing order differs from call order.
    flownally.add_fault(kind="latency", delayMs=300, times=1, exact_path=f"/conversations/{REF}")
    reference, hostile, inboxes, users = client.fan_out(
        lambda: client.conversation_get(REF),
        lambda: client.conversation_get(HOSTILE_CONVERSATION_ID),
        client.inbox_list,
        client.user_list,
    )
    assert reference.id == REF
    assert hostile.id == HOSTILE_CONVERSATION_ID
    assert len(inboxes.items) == 5
    assert len(users.items) == 9


def test_fan_out_of_nothing_is_an_empty_list(flownally):
    assert client.fan_out() == []


def test_fan_out_raises_the_first_error_only_after_every_call_finished(flownally):
    flownally.add_fault(kind="latency", delayMs=300, times=1, exact_path="/users")
    flownally.add_fault(
        kind="latency", delayMs=200, times=1, exact_path=f"/conversations/{UNKNOWN_CONVERSATION}"
    )
    finished = []

    def slow_but_fine():
        page = client.user_list()
        finished.append("users")
        return page

    with pytest.raises(NotFound) as raised:
        client.fan_out(
            lambda: client.conversation_get(UNKNOWN_CONVERSATION),  # fails second, listed first
            lambda: client.conversation_list(page_size=0),  # fails first
            slow_but_fine,
        )
    assert raised.value.status == 404
    assert finished == ["users"], "fan_out returned while a call was still running"


def test_fan_out_raises_errors_of_any_type_from_the_calls(flownally):
    def broken():
        raise ValueError("not a Flownally problem")

    with pytest.raises(ValueError, match="not a Flownally problem"):
        client.fan_out(client.inbox_list, broken)


# --- writes invalidate the cache -----------------------------------------------------------------


def test_a_second_read_within_the_ttl_is_served_from_the_cache(flownally, long_cache):
    first = client.conversation_messages(REF)
    second = client.conversation_messages(REF)
    assert [m.id for m in second.items] == [m.id for m in first.items]
    assert len(flownally.logged(1, route="GET /conversations/{id}/messages")) == 1


def test_a_reply_shows_in_the_cached_messages_list_at_once(flownally, long_cache):
    before = client.conversation_messages(REF)
    sent = client.conversation_message_send(REF, client.text("Fresh reply"))
    after = client.conversation_messages(REF)
    assert [m.id for m in after.items] == [sent.message.id, *(m.id for m in before.items)]
    assert after.items[0].content == TextContent("Fresh reply")


def test_a_send_by_recipient_shows_in_the_cached_messages_list_at_once(flownally, long_cache):
    before = client.conversation_messages(REF)
    sent = client.message_send(client.to_conversation(REF), client.text("By recipient"))
    after = client.conversation_messages(REF)
    assert [m.id for m in after.items] == [sent.message.id, *(m.id for m in before.items)]


def test_a_send_moves_the_conversation_to_the_top_of_the_cached_list(flownally, long_cache):
    assert client.conversation_list().items[0].id == REF
    client.conversation_message_send(HOSTILE_CONVERSATION_ID, client.text("We are on it"))
    top = client.conversation_list().items[0]
    assert top.id == HOSTILE_CONVERSATION_ID
    assert top.last_message_preview == "We are on it"


def test_a_close_shows_in_the_cached_conversation_at_once(flownally, long_cache):
    assert client.conversation_get(REF).status == "open"
    assert REF in {c.id for c in client.conversation_list(status=("open",), page_size=100).items}
    client.conversation_close(REF)
    assert client.conversation_get(REF).status == "closed"
    assert REF not in {
        c.id for c in client.conversation_list(status=("open",), page_size=100).items
    }


def test_a_reassign_shows_in_the_cached_conversation_at_once(flownally, long_cache):
    user_id = other_active_user(flownally)
    assert client.conversation_get(REF).assignee_id == REFERENCE_USER_ID
    client.conversation_reassign(REF, user_id)
    assert client.conversation_get(REF).assignee_id == user_id


def test_a_read_marker_shows_in_the_cached_conversation_at_once(flownally, long_cache):
    assert client.conversation_get(REF).unread_count == 1
    newest = client.conversation_messages(REF).items[0]
    client.conversation_read(REF, newest.id)
    assert client.conversation_get(REF).unread_count == 0


def test_a_reaction_shows_in_the_cached_message_and_messages_list_at_once(flownally, long_cache):
    assert client.message_get(REFERENCE_MESSAGE_ID).message.reactions == ()
    listed = {m.id: m for m in client.conversation_messages(REF).items}
    assert listed[REFERENCE_MESSAGE_ID].reactions == ()
    client.message_react(REFERENCE_MESSAGE_ID, "🎉", conversation_id=REF)
    assert [r.emoji for r in client.message_get(REFERENCE_MESSAGE_ID).message.reactions] == ["🎉"]
    listed = {m.id: m for m in client.conversation_messages(REF).items}
    assert [r.emoji for r in listed[REFERENCE_MESSAGE_ID].reactions] == ["🎉"]


def test_writes_leave_unrelated_cached_reads_alone(flownally, long_cache):
    client.conversation_get(HOSTILE_CONVERSATION_ID)
    client.inbox_list()
    client.conversation_message_send(REF, client.text("Only REF changes"))
    client.conversation_get(HOSTILE_CONVERSATION_ID)
    client.inbox_list()
    assert len(flownally.logged(1, route="GET /conversations/{id}")) == 1
    assert len(flownally.logged(1, route="GET /inboxes")) == 1


@pytest.mark.parametrize(
    ("path", "send"),
    [
        (
            f"/conversations/{REF}/messages",
            lambda: client.conversation_message_send(REF, client.text("Maybe sent")),
        ),
        (
            "/messages",
            lambda: client.message_send(client.to_conversation(REF), client.text("Maybe sent")),
        ),
    ],
    ids=["conversation_message_send", "message_send to_conversation"],
)
def test_a_send_that_times_out_still_refreshes_the_conversation_it_may_have_reached(
    flownally, long_cache, settings, path, send
):
    settings.FLOWNALLY_READ_TIMEOUT = 0.3
    settings.FLOWNALLY_RETRIES = 0
    before = client.conversation_messages(REF)
    flownally.add_fault(kind="latency", delayMs=1000, times=1, method="POST", exact_path=path)
    with pytest.raises(Unavailable):
        send()
    # It was sent after all: the simulator carried it out after the client gave up.
    assert flownally.logged(1, fault="latency", timeout=10), "the held send never finished"
    after = client.conversation_messages(REF)
    assert len(after.items) == len(before.items) + 1
    assert after.items[0].content == TextContent("Maybe sent")
