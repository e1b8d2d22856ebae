"""Which conversation a new message goes to: POST /messages names a recipient, not a
conversation.

A recipient is a conversation, a contact or a channel address (already checked for shape
by validation.recipient). A contact or an address leads to its latest conversation (in the
given inbox, when one is given), or else to a new conversation, which is described here
but only made once the message's content has passed its checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dashboard.simulator import validation
from dashboard.simulator.errors import ApiError, detail, invalid
from dashboard.simulator.models import Contact, Conversation, Inbox
from dashboard.simulator.state import TenantState


@dataclass(frozen=True, slots=True)
class NewConversation:
    """Where a first message would start a conversation."""

    inbox: Inbox
    contact: Contact | None  # None: nobody is known at the address yet; make a contact
    external_id: str


Target = Conversation | NewConversation


def resolve(state: TenantState, recipient: dict, inbox: Inbox | None) -> Target:
    """The recipient's conversation, or the new conversation a message to it would start."""
    return _RESOLVERS[recipient["type"]](state, recipient, inbox)


def _to_conversation(state: TenantState, recipient: dict, inbox: Inbox | None) -> Target:
    conv = state.conversations.get(recipient["conversationId"])
    if conv is None:
        raise _refused("recipient.conversationId", "unknown", "No such conversation.")
    if inbox is not None and inbox.channel != conv.channel:
        raise _refused(
            "inboxId",
            "not_allowed",
            f"inboxId is a {inbox.channel} inbox; the conversation is on {conv.channel}.",
        )
    return conv


def _to_contact(state: TenantState, recipient: dict, inbox: Inbox | None) -> Target:
    contact = state.contacts.get(recipient["contactId"])
    if contact is None:
        raise _refused("recipient.contactId", "unknown", "No such contact.")
    latest = _latest(state.with_contact(contact.id), inbox)
    if latest is not None:
        return latest
    inbox = _required(inbox, "inboxId is required to start a conversation with this contact.")
    external = contact.identities.get(inbox.channel)
    if external is None:
        raise _refused(
            "recipient.contactId", "not_allowed", f"The contact has no {inbox.channel} address."
        )
    return NewConversation(inbox, contact, external)


def _to_address(state: TenantState, recipient: dict, inbox: Inbox | None) -> Target:
    channel = recipient["channel"]
    external = validation.normalize_external_id(channel, recipient["externalId"])
    assert external is not None  # validation.recipient refused addresses that do not normalize
    if inbox is not None and inbox.channel != channel:
        raise _refused(
            "inboxId", "not_allowed", f"inboxId is a {inbox.channel} inbox, not {channel}."
        )
    known = state.at_address(channel, external)
    latest = _latest(known, inbox)
    if latest is not None:
        return latest
    inbox = _required(inbox, "inboxId is required for a first message to a channel recipient.")
    if channel == "webchat":
        # A visitor has no address to write to until they open the chat themselves.
        raise _refused(
            "recipient.channel", "not_allowed", "Website chat visitors must start the conversation."
        )
    # The address may be known from a conversation in another inbox: reuse its contact.
    return NewConversation(inbox, state.contacts[known[0].contact_id] if known else None, external)


_RESOLVERS: dict[str, Callable[[TenantState, dict, Inbox | None], Target]] = {
    "conversation": _to_conversation,
    "contact": _to_contact,
    "channel": _to_address,
}


def _latest(conversations: Iterable[Conversation], inbox: Inbox | None) -> Conversation | None:
    """The most recently active of the conversations, in `inbox` when one is given."""
    candidates = [c for c in conversations if inbox is None or c.inbox_id == inbox.id]
    return max(candidates, key=lambda c: c.last_ms) if candidates else None


def _required(inbox: Inbox | None, why: str) -> Inbox:
    """The inbox a new conversation needs; the request must name it."""
    if inbox is None:
        raise _refused("inboxId", "required", why)
    return inbox


def _refused(field: str, code: str, message: str) -> ApiError:
    return invalid(detail(field, code, message))
