"""Messages: reading one, and sending one as a member of the team.

A message goes out only if its channel takes that content now (WhatsApp's 24-hour window,
approved templates, uploaded media). Sending opens the conversation, ends the customer's
wait and plans the message's delivery (delivery.py). POST /messages first finds the
conversation from a recipient (recipients.py); POST /conversations/{id}/messages names it.
"""

from __future__ import annotations

from dashboard.simulator import delivery, recipients, render, validation
from dashboard.simulator.content import APPROVED_TEMPLATES
from dashboard.simulator.customers import catch_up
from dashboard.simulator.errors import detail, invalid
from dashboard.simulator.models import Conversation, Message
from dashboard.simulator.state import TenantState
from dashboard.simulator.validation import Problems


def message_get(state: TenantState, message_id: str) -> dict:
    with state.lock:
        catch_up(state)
        msg = state.message(message_id)
        conv = state.conversations[msg.conversation_id]
        return {
            "message": state.render_message(msg, state.clock.now_ms()),
            "conversation": render.conversation(conv),
        }


def message_send(state: TenantState, body: dict, sender_id: str | None) -> dict:
    problems = Problems()
    recipient = validation.recipient(body.get("recipient"), problems)
    content = validation.content(body.get("content"), problems)
    inbox_id = validation.optional_id(body.get("inboxId"), "ibx", "inboxId", problems)
    problems.raise_if_any()
    assert recipient is not None and content is not None  # else raise_if_any refused them
    with state.lock:
        catch_up(state)
        target = recipients.resolve(state, recipient, state.inbox(inbox_id))
        if isinstance(target, Conversation):
            conv = target
            _check_content(state, content, conv.channel, conv.last_customer_ms)
        else:
            # A new conversation is made only now that the content has passed its checks.
            _check_content(state, content, target.inbox.channel, None)
            now = state.clock.now_ms()
            contact = target.contact or state.new_contact(
                target.inbox.channel, target.external_id, None, now
            )
            conv = state.start_conversation(target.inbox, contact, target.external_id, now)
        return _send(state, conv, content, sender_id)


def conversation_message_send(
    state: TenantState, conversation_id: str, body: dict, sender_id: str | None
) -> dict:
    problems = Problems()
    content = validation.content(body.get("content"), problems)
    inbox_id = validation.optional_id(body.get("inboxId"), "ibx", "inboxId", problems)
    problems.raise_if_any()
    assert content is not None  # else raise_if_any refused it
    with state.lock:
        catch_up(state)
        conv = state.conversation(conversation_id)
        inbox = state.inbox(inbox_id)
        if inbox is not None and inbox.channel != conv.channel:
            raise invalid(
                detail(
                    "inboxId",
                    "not_allowed",
                    f"inboxId is a {inbox.channel} inbox; this conversation is on {conv.channel}.",
                )
            )
        _check_content(state, content, conv.channel, conv.last_customer_ms)
        return _send(state, conv, content, sender_id)


def _check_content(
    state: TenantState, content: dict, channel: str, last_customer_ms: int | None
) -> None:
    """Refuse content the channel does not take now, or that names what does not exist."""
    allowed = render.sendability(channel, last_customer_ms, state.clock.now_ms())[
        "allowedContentTypes"
    ]
    kind = content["type"]
    if kind not in allowed:
        why = (
            "Outside WhatsApp's 24-hour window only templates can be sent."
            if channel == "whatsapp"
            else f"{kind} content is not available on {channel}."
        )
        raise invalid(detail("content.type", "not_allowed", why))
    if kind == "template" and content["template"]["name"] not in APPROVED_TEMPLATES:
        raise invalid(
            detail("content.template.name", "unknown", "No approved template has this name.")
        )
    if kind == "media" and content["media"]["mediaId"] not in state.media:
        raise invalid(detail("content.media.mediaId", "unknown", "No uploaded media has this ID."))


def _send(state: TenantState, conv: Conversation, content: dict, sender_id: str | None) -> dict:
    now = state.clock.now_ms()
    msg = Message(
        state.new_id("msg", now),
        conv.id,
        now,
        "user",
        sender_id,
        content,
        delivery.plan(state, now, content),
    )
    state.append(conv, msg)
    # The team has answered: the customer no longer waits, and the conversation is open.
    conv.waiting_ms = None
    conv.interacted = True
    if conv.status != "open":
        conv.status = "open"
    state.index.update(conv, state.clock.now_ms())
    return {"message": state.render_message(msg, now), "conversation": render.conversation(conv)}
