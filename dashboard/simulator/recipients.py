"""Which conversation a new message goes to: POST /messages names a recipient, not a
conversation.

A recipient is a conversation, a contact or a channel address (already checked for shape
by validation.recipient). A contact or an address leads to its latest conversation (in the
given inbox, when one is given), or else to a new conversation, which is described here
but only made once the message's content has passed its checks.
"""

from __future__ import annotations

from dashboard.simulator import validation
from dashboard.simulator.errors import detail, invalid
from dashboard.simulator.models import Conversation, Inbox
from dashboard.simulator.state import TenantState


def resolve(
    state: TenantState, recipient: dict, inbox: Inbox | None
) -> tuple[Conversation | None, tuple]:
    """The conversation a recipient points to, or (inbox, contact or None, address) for a
    new one, which is made only once the content has passed its checks."""
    kind = recipient["type"]
    if kind == "conversation":
        conv = state.conversations.get(recipient["conversationId"])
        if conv is None:
            raise invalid(detail("recipient.conversationId", "unknown", "No such conversation."))
        if inbox is not None and inbox.channel != conv.channel:
            raise invalid(
                detail(
                    "inboxId",
                    "not_allowed",
                    f"inboxId is a {inbox.channel} inbox; the conversation is on {conv.channel}.",
                )
            )
        return conv, ()
    if kind == "contact":
        contact = state.contacts.get(recipient["contactId"])
        if contact is None:
            raise invalid(detail("recipient.contactId", "unknown", "No such contact."))
        candidates = [
            c for c in state.with_contact(contact.id) if inbox is None or c.inbox_id == inbox.id
        ]
        if candidates:
            return max(candidates, key=lambda c: c.last_ms), ()
        if inbox is None:
            raise invalid(
                detail(
                    "inboxId",
                    "required",
                    "inboxId is required to start a conversation with this contact.",
                )
            )
        external = contact.identities.get(inbox.channel)
        if external is None:
            raise invalid(
                detail(
                    "recipient.contactId",
                    "not_allowed",
                    f"The contact has no {inbox.channel} address.",
                )
            )
        return None, (inbox, contact, external)
    channel = recipient["channel"]
    external = validation.normalize_external_id(channel, recipient["externalId"])
    if inbox is not None and inbox.channel != channel:
        raise invalid(
            detail("inboxId", "not_allowed", f"inboxId is a {inbox.channel} inbox, not {channel}.")
        )
    candidates = [
        c for c in state.at_address(channel, external) if inbox is None or c.inbox_id == inbox.id
    ]
    if candidates:
        return max(candidates, key=lambda c: c.last_ms), ()
    if inbox is None:
        raise invalid(
            detail(
                "inboxId",
                "required",
                "inboxId is required for a first message to a channel recipient.",
            )
        )
    if channel == "webchat":
        raise invalid(
            detail(
                "recipient.channel",
                "not_allowed",
                "Website chat visitors must start the conversation.",
            )
        )
    known = next(
        (state.contacts[c.contact_id] for c in state.at_address(channel, external)),
        None,
    )
    return None, (inbox, known, external)
