"""`from_api` on hand-made bodies: tolerant of what it does not know, strict on what the
contract always sends. Pure unit tests, no simulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.flownally.errors import BadResponse, FlownallyError
from dashboard.flownally.models import (
    Conversation,
    ConversationDetails,
    Failure,
    Inbox,
    MediaContent,
    MediaUpload,
    Message,
    Page,
    Reaction,
    Sendability,
    SendResult,
    TemplateContent,
    TextContent,
    UnknownContent,
    User,
)

CNV = "cnv_01HV8Y7YF5J4Y7M9M7T3H3X2A1"
MSG = "msg_01HV8Z2G8Z3H5M9K2S6A1N0P4"
IBX = "ibx_01HV8Y4QH7C8H1K5K0C8A2B9E4"
USR = "usr_01HV8Y3K2R6G7K3F5B9N8M1Q0"
CON = "con_01HV8Y5R5RFMS0TFK6PKF9H2S8"


def conversation(**changes: object) -> dict:
    body = {
        "id": CNV,
        "channel": "whatsapp",
        "externalId": "48123456789",
        "inboxId": IBX,
        "name": "Anna Kowalska",
        "contactId": CON,
        "contactName": "Anna Kowalska",
        "lastMessageAt": "2026-04-30T10:36:00Z",
        "lastMessagePreview": "Thanks, I will check it now.",
        "lastMessageSender": "customer",
        "status": "open",
        "assigneeId": USR,
        "createdAt": "2026-04-30T10:27:00Z",
        "waitingSince": "2026-04-30T10:36:00Z",
        "unreadCount": 1,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def message(**changes: object) -> dict:
    body = {
        "id": MSG,
        "createdAt": "2026-04-30T10:34:00Z",
        "updatedAt": "2026-04-30T10:34:02Z",
        "tenantId": "tn_01HV8Y1N3QPY9X2HBQ1M9E8D0",
        "conversationId": CNV,
        "senderType": "user",
        "senderId": USR,
        "content": {"type": "text", "text": {"body": "Hi Anna, your order is ready."}},
        "deliveryStatus": "delivered",
        "channelMessageId": "wamid.HBgLMjQxMjM0NTY3ODkVAgARGBI",
        "failure": None,
        "reactions": [],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def reaction(**changes: object) -> dict:
    body = {
        "id": "rxn_01HV8Z9R1A2B3C4D5E6F7G8H9J",
        "messageId": MSG,
        "senderType": "user",
        "senderId": USR,
        "emoji": "👍",
        "createdAt": "2026-04-30T10:35:00Z",
    }
    body.update(changes)
    return body


# --- unknown and missing fields --------------------------------------------------------------


def test_fields_the_client_does_not_know_are_ignored():
    parsed = Conversation.from_api(conversation(priority="high", tags=["vip"], nested={"a": 1}))
    assert parsed.id == CNV
    assert parsed.name == "Anna Kowalska"
    assert not hasattr(parsed, "priority")
    assert not hasattr(parsed, "tags")


def test_a_message_with_fields_the_client_does_not_know_still_parses():
    parsed = Message.from_api(message(editedBy=USR, content={**message()["content"], "x": 1}))
    assert parsed.content == TextContent("Hi Anna, your order is ready.")


def test_a_conversation_without_its_optional_fields_gets_none_and_defaults():
    parsed = Conversation.from_api(
        {"id": CNV, "channel": "sms", "externalId": "48500100400", "inboxId": IBX}
    )
    assert parsed.contact_id is None
    assert parsed.contact_name is None
    assert parsed.last_message_at is None
    assert parsed.last_message_preview == ""
    assert parsed.last_message_sender is None
    assert parsed.status is None
    assert parsed.assignee_id is None
    assert parsed.created_at is None
    assert parsed.waiting_since is None
    assert parsed.unread_count == 0


def test_optional_fields_of_the_wrong_type_read_as_none_or_defaults():
    parsed = Conversation.from_api(
        conversation(status=3, assigneeId=["x"], unreadCount="7", lastMessageAt="yesterday")
    )
    assert parsed.status is None
    assert parsed.assignee_id is None
    assert parsed.unread_count == 0
    assert parsed.last_message_at is None


def test_a_message_without_its_optional_fields_gets_none_and_defaults():
    parsed = Message.from_api(
        message(
            updatedAt=...,
            senderId=...,
            channelMessageId=...,
            failure=...,
            reactions=...,
            tenantId=...,
        )
    )
    assert parsed.updated_at is None
    assert parsed.sender_id is None
    assert parsed.channel_message_id is None
    assert parsed.failure is None
    assert parsed.reactions == ()


def test_inboxes_users_and_uploads_without_optional_fields_get_none_and_defaults():
    inbox = Inbox.from_api({"id": IBX, "channel": "whatsapp"})
    assert inbox == Inbox(IBX, IBX, "whatsapp", None)
    user = User.from_api({"id": USR})
    assert user == User(USR, USR, None, None, active=True)
    upload = MediaUpload.from_api({"mediaId": "mda_01HV8Z0000000000000000000A"})
    assert upload.media_type is None
    assert upload.url is None
    assert upload.file_size is None


def test_a_user_marked_inactive_reads_as_inactive():
    assert User.from_api({"id": USR, "active": False}).active is False


@pytest.mark.parametrize("missing", ["id", "channel", "externalId", "inboxId"])
def test_a_conversation_without_a_required_field_is_a_bad_response_naming_it(missing):
    with pytest.raises(BadResponse) as raised:
        Conversation.from_api(conversation(**{missing: ...}))
    assert repr(missing) in str(raised.value)
    assert isinstance(raised.value, FlownallyError)


@pytest.mark.parametrize(
    "missing", ["id", "conversationId", "createdAt", "senderType", "content", "deliveryStatus"]
)
def test_a_message_without_a_required_field_is_a_bad_response_naming_it(missing):
    with pytest.raises(BadResponse) as raised:
        Message.from_api(message(**{missing: ...}))
    assert repr(missing) in str(raised.value)


def test_a_required_field_that_is_null_counts_as_missing():
    with pytest.raises(BadResponse, match="'inboxId'"):
        Conversation.from_api(conversation(inboxId=None))


def test_a_message_whose_creation_time_cannot_be_read_is_a_bad_response():
    with pytest.raises(BadResponse, match="'createdAt'"):
        Message.from_api(message(createdAt="the thirtieth of April"))


def test_text_content_without_its_body_is_a_bad_response_naming_it():
    with pytest.raises(BadResponse, match="'body'"):
        Message.from_api(message(content={"type": "text", "text": {}}))


def test_content_without_a_type_is_a_bad_response_naming_it():
    with pytest.raises(BadResponse, match="'type'"):
        Message.from_api(message(content={"text": {"body": "hi"}}))


@pytest.mark.parametrize(
    ("parse", "missing"),
    [
        (SendResult.from_api, "message"),
        (SendResult.from_api, "conversation"),
        (Inbox.from_api, "id"),
        (Inbox.from_api, "channel"),
        (User.from_api, "id"),
        (MediaUpload.from_api, "mediaId"),
        (Reaction.from_api, "id"),
        (Reaction.from_api, "messageId"),
        (Reaction.from_api, "emoji"),
    ],
)
def test_every_model_names_its_missing_required_field(parse, missing):
    complete = {
        SendResult.from_api: {"message": message(), "conversation": conversation()},
        Inbox.from_api: {"id": IBX, "channel": "whatsapp"},
        User.from_api: {"id": USR},
        MediaUpload.from_api: {"mediaId": "mda_01HV8Z0000000000000000000A"},
        Reaction.from_api: reaction(),
    }[parse]
    parse(complete)  # complete, it parses
    with pytest.raises(BadResponse, match=repr(missing)):
        parse({key: value for key, value in complete.items() if key != missing})


@pytest.mark.parametrize("body", [None, [], "conversation", 42])
def test_a_body_that_is_not_an_object_is_a_bad_response(body):
    with pytest.raises(BadResponse):
        Conversation.from_api(body)
    with pytest.raises(BadResponse):
        Message.from_api(body)
    with pytest.raises(BadResponse):
        SendResult.from_api(body)


# --- content variants ----------------------------------------------------------------------


def test_an_unknown_content_type_is_kept_as_unknown_content():
    parsed = Message.from_api(message(content={"type": "sticker", "sticker": {"id": "s1"}}))
    assert parsed.content == UnknownContent("sticker")


def test_a_content_type_without_its_variant_object_is_unknown_content():
    parsed = Message.from_api(message(content={"type": "location"}))
    assert parsed.content == UnknownContent("location")


def test_template_content_is_read_with_its_parameters():
    parsed = Message.from_api(
        message(
            content={
                "type": "template",
                "template": {"name": "order_ready", "language": "pl", "parameters": ["4827", 7]},
            }
        )
    )
    assert parsed.content == TemplateContent("order_ready", "pl", ("4827",))


def test_media_content_is_read_with_its_file_fields():
    parsed = Message.from_api(
        message(
            content={
                "type": "media",
                "media": {
                    "mediaId": "mda_01HV8Z0000000000000000000A",
                    "caption": None,
                    "mediaType": "image",
                    "mimeType": "image/png",
                    "filename": "damaged-parcel.png",
                    "fileSize": 2048,
                    "url": "/media/tn_01HV8Y1N3QPY9X2HBQ1M9E8D0/uploads/mda_01HV8Z0000000000000000000A",
                },
            }
        )
    )
    assert parsed.content == MediaContent(
        "mda_01HV8Z0000000000000000000A",
        None,
        "image",
        "image/png",
        "damaged-parcel.png",
        2048,
        "/media/tn_01HV8Y1N3QPY9X2HBQ1M9E8D0/uploads/mda_01HV8Z0000000000000000000A",
    )


# --- failure and reactions -----------------------------------------------------------------


def test_a_failed_message_carries_its_failure_and_its_reactions():
    parsed = Message.from_api(
        message(
            deliveryStatus="failed",
            failure={"code": "recipient_unreachable", "message": "Could not be reached."},
            reactions=[reaction(), reaction(id="rxn_01HV8Z9R1A2B3C4D5E6F7G8H9K", emoji="heart")],
        )
    )
    assert parsed.failure == Failure("recipient_unreachable", "Could not be reached.")
    assert [r.emoji for r in parsed.reactions] == ["👍", "heart"]
    first = parsed.reactions[0]
    assert first == Reaction(
        "rxn_01HV8Z9R1A2B3C4D5E6F7G8H9J",
        MSG,
        "user",
        USR,
        "👍",
        datetime(2026, 4, 30, 10, 35, tzinfo=UTC),
        removed=False,
    )
    assert parsed.in_flight is False


def test_a_failure_without_a_code_reads_as_unknown():
    parsed = Message.from_api(message(deliveryStatus="failed", failure={}))
    assert parsed.failure == Failure("unknown", "")


def test_a_reaction_echoed_as_removed_reads_as_removed():
    assert Reaction.from_api(reaction(removed=True)).removed is True
    assert Reaction.from_api(reaction(removed="yes")).removed is False


# --- timestamps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-04-30T10:36:00Z", datetime(2026, 4, 30, 10, 36, tzinfo=UTC)),
        ("2026-04-30T10:36:00.123Z", datetime(2026, 4, 30, 10, 36, 0, 123000, tzinfo=UTC)),
        ("2026-04-30T10:36:00.5Z", datetime(2026, 4, 30, 10, 36, 0, 500000, tzinfo=UTC)),
        ("2026-04-30T12:36:00+02:00", datetime(2026, 4, 30, 10, 36, tzinfo=UTC)),
    ],
)
def test_timestamps_with_and_without_milliseconds_parse_to_aware_datetimes(raw, expected):
    parsed = Message.from_api(message(createdAt=raw, updatedAt=raw))
    for value in (parsed.created_at, parsed.updated_at):
        assert value == expected
        assert value.tzinfo is not None
        assert value.utcoffset() is not None
    conv = Conversation.from_api(conversation(lastMessageAt=raw))
    assert conv.last_message_at == expected
    assert conv.last_message_at.utcoffset() is not None


# --- derived properties --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "in_flight"),
    [
        ("pending", True),
        ("sent", True),
        ("delivered", True),
        ("read", False),
        ("failed", False),
        ("received", False),
    ],
)
def test_a_message_is_in_flight_until_its_delivery_state_is_final(status, in_flight):
    assert Message.from_api(message(deliveryStatus=status)).in_flight is in_flight


def test_free_text_is_allowed_only_when_text_is_an_allowed_content_type():
    open_window = Sendability.from_api(
        {
            "window": "open",
            "windowExpiresAt": "2026-05-01T10:36:00Z",
            "allowedContentTypes": ["text", "media", "template"],
        }
    )
    assert open_window.free_text is True
    assert open_window.window_expires_at == datetime(2026, 5, 1, 10, 36, tzinfo=UTC)
    closed = Sendability.from_api(
        {"window": "closed", "windowExpiresAt": None, "allowedContentTypes": ["template"]}
    )
    assert closed.free_text is False
    assert closed.allowed_content_types == ("template",)


@pytest.mark.parametrize("sendability", [None, "open", {"window": "open"}, {"window": 1}])
def test_missing_or_partial_sendability_allows_nothing(sendability):
    parsed = Sendability.from_api(sendability)
    assert parsed.free_text is False
    assert parsed.allowed_content_types == ()


def test_conversation_details_read_sendability_and_the_last_customer_message():
    details = ConversationDetails.from_api(
        conversation(
            lastCustomerMessageAt="2026-04-30T10:36:00Z",
            sendability={
                "window": "none",
                "windowExpiresAt": None,
                "allowedContentTypes": ["text", "media"],
            },
        )
    )
    assert details.last_customer_message_at == datetime(2026, 4, 30, 10, 36, tzinfo=UTC)
    assert details.sendability == Sendability("none", None, ("text", "media"))
    assert details.sendability.free_text is True


def test_conversation_details_without_sendability_allow_nothing():
    details = ConversationDetails.from_api(conversation())
    assert details.sendability.window == "unknown"
    assert details.sendability.free_text is False


# --- names ---------------------------------------------------------------------------------


def test_a_conversation_without_a_name_falls_back_to_the_contact_name():
    parsed = Conversation.from_api(conversation(name=..., contactName="Anna K."))
    assert parsed.name == "Anna K."


def test_a_conversation_without_a_name_or_contact_name_falls_back_to_the_external_id():
    parsed = Conversation.from_api(conversation(name=None, contactName=...))
    assert parsed.name == "48123456789"


def test_an_external_id_sent_as_a_number_reads_as_a_string():
    parsed = Conversation.from_api(conversation(name=..., contactName=..., externalId=48123456789))
    assert parsed.external_id == "48123456789"
    assert parsed.name == "48123456789"


# --- pages ---------------------------------------------------------------------------------


def test_a_page_reads_its_items_and_its_next_page_token():
    page = Page.from_api(
        {"conversations": [conversation(), conversation(id="cnv_01HV8Y7YF5J4Y7M9M7T3H3X2A2")]}
        | {"nextPageToken": "abc"},
        "conversations",
        Conversation.from_api,
    )
    assert [item.id for item in page.items] == [CNV, "cnv_01HV8Y7YF5J4Y7M9M7T3H3X2A2"]
    assert isinstance(page.items, tuple)
    assert page.next_page_token == "abc"
    assert page.stale is False


@pytest.mark.parametrize("token", [None, "", 7])
def test_a_page_without_a_usable_token_is_the_last_page(token):
    page = Page.from_api({"users": [], "nextPageToken": token}, "users", User.from_api)
    assert page.items == ()
    assert page.next_page_token is None


@pytest.mark.parametrize("items", [{"id": CNV}, "cnv_01HV8Y7YF5J4Y7M9M7T3H3X2A1", 3, True])
def test_a_page_whose_items_are_not_a_list_is_a_bad_response(items):
    with pytest.raises(BadResponse, match="'conversations'"):
        Page.from_api({"conversations": items}, "conversations", Conversation.from_api)


@pytest.mark.parametrize("body", [None, [], {}, {"messages": []}])
def test_a_page_without_its_list_is_a_bad_response(body):
    with pytest.raises(BadResponse, match="'conversations'"):
        Page.from_api(body, "conversations", Conversation.from_api)


def test_a_page_with_a_broken_item_is_a_bad_response():
    with pytest.raises(BadResponse, match="'inboxId'"):
        Page.from_api(
            {"conversations": [conversation(), conversation(inboxId=...)]},
            "conversations",
            Conversation.from_api,
        )
