"""Records to the contract's JSON shapes (camelCase, RFC 3339 times)."""

from __future__ import annotations

from dashboard.simulator.clock import iso
from dashboard.simulator.content import WINDOW_MS
from dashboard.simulator.models import Conversation, Inbox, Media, Message, Reaction, User
from dashboard.simulator.seed import TENANT_ID


def _time(ms: int | None) -> str | None:
    return None if ms is None else iso(ms)


def conversation(conv: Conversation) -> dict:
    return {
        "id": conv.id,
        "channel": conv.channel,
        "externalId": conv.external_id,
        "inboxId": conv.inbox_id,
        "name": conv.name,
        "contactId": conv.contact_id,
        "contactName": conv.name,  # always a string, as in the reference: the address when unnamed
        "lastMessageAt": iso(conv.last_ms),
        "lastMessagePreview": conv.last_preview,
        "lastMessageSender": conv.last_sender,
        "status": conv.status,
        "assigneeId": conv.assignee_id,
        "createdAt": iso(conv.created_ms),
        "waitingSince": _time(conv.waiting_ms),
        "unreadCount": conv.unread,
    }


def sendability(channel: str, last_customer_ms: int | None, now_ms: int) -> dict:
    """WhatsApp's 24-hour rule: free text only within 24 h of the customer's last message."""
    if channel != "whatsapp":
        return {"window": "none", "windowExpiresAt": None, "allowedContentTypes": ["text", "media"]}
    if last_customer_ms is not None and now_ms < last_customer_ms + WINDOW_MS:
        return {
            "window": "open",
            "windowExpiresAt": iso(last_customer_ms + WINDOW_MS),
            "allowedContentTypes": ["text", "media", "template"],
        }
    return {"window": "closed", "windowExpiresAt": None, "allowedContentTypes": ["template"]}


def conversation_details(conv: Conversation, now_ms: int) -> dict:
    return conversation(conv) | {
        "lastCustomerMessageAt": _time(conv.last_customer_ms),
        "sendability": sendability(conv.channel, conv.last_customer_ms, now_ms),
    }


def media_fields(media: Media) -> dict:
    return {
        "mediaType": media.media_type,
        "mimeType": media.mime_type,
        "filename": media.filename,
        "fileSize": len(media.data),
        "url": f"/media/{TENANT_ID}/uploads/{media.id}",
    }


def media_upload(media: Media) -> dict:
    return {"mediaId": media.id} | media_fields(media)


def _content(content: dict, media: dict[str, Media]) -> dict:
    if content["type"] != "media":
        return content
    stored = media.get(content["media"]["mediaId"])
    fields = media_fields(stored) if stored else {}
    return {"type": "media", "media": {"caption": None, **content["media"], **fields}}


def reaction(item: Reaction, removed: bool = False) -> dict:
    return {
        "id": item.id,
        "messageId": item.message_id,
        "senderType": item.sender_type,
        "senderId": item.sender_id,
        "emoji": item.emoji,
        "createdAt": iso(item.created_ms),
        "removed": removed,
    }


def message(msg: Message, now_ms: int, media: dict[str, Media]) -> dict:
    failure = None
    channel_id: str | None
    if msg.delivery is None:
        status, updated, channel_id = "received", msg.created_ms, f"sim.in.{msg.id[-12:].lower()}"
    else:
        status, updated = msg.delivery.status_at(now_ms)
        channel_id = None if status == "pending" else msg.delivery.channel_message_id
        if status == "failed":
            code = msg.delivery.failure_code or "unknown"
            failure = {
                "code": code,
                "message": FAILURE_MESSAGES.get(code, FAILURE_MESSAGES["unknown"]),
            }
    return {
        "id": msg.id,
        "createdAt": iso(msg.created_ms),
        "updatedAt": iso(max(updated, msg.reactions_changed_ms)),
        "tenantId": TENANT_ID,
        "conversationId": msg.conversation_id,
        "senderType": msg.sender_type,
        "senderId": msg.sender_id,
        "content": _content(msg.content, media),
        "deliveryStatus": status,
        "channelMessageId": channel_id,
        "failure": failure,
        "reactions": [reaction(item) for item in msg.reactions],
    }


FAILURE_MESSAGES = {
    "recipient_unreachable": "The recipient's phone or account could not be reached.",
    "window_closed": "The 24-hour customer service window closed before delivery.",
    "template_rejected": "The channel rejected the template.",
    "media_rejected": "The channel rejected the media file.",
    "channel_rate_limited": "The channel is rate limiting this sender.",
    "unknown": "The channel reported a failure without a reason.",
}


def inbox(item: Inbox) -> dict:
    return {
        "id": item.id,
        "tenantId": TENANT_ID,
        "name": item.name,
        "channel": item.channel,
        "externalId": item.external_id,
    }


def user(item: User) -> dict:
    return {
        "id": item.id,
        "tenantId": TENANT_ID,
        "name": item.name,
        "email": item.email,
        "role": item.role,
        "active": item.active,
    }
