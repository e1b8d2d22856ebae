"""The simulated Flownally tenant: one method per API operation, moto-style.

The HTTP layer (server.py) and the control API (control.py) call these methods by the
operation's name; nothing here knows HTTP. The state lives in `TenantState` (state.py)
and each job has its own module, so this class is the index of what the fake can do:

  conversations.py  listing, details, history, reassign, read, close
  messages.py       reading a message, sending (recipients.py finds the conversation)
  reactions.py      reacting to a message
  media.py          uploads and downloads
  directory.py      inboxes and team members
  customers.py      customers writing in, by the clock or through /_sim/inbound
  delivery.py       an outbound message's delivery, planned or forced
"""

from __future__ import annotations

from dashboard.simulator import (
    conversations,
    customers,
    delivery,
    directory,
    media,
    messages,
    reactions,
)
from dashboard.simulator.listing import STATUSES
from dashboard.simulator.models import Media
from dashboard.simulator.state import TenantState

Query = dict[str, list[str]]


class Backend(TenantState):
    """The tenant with its API operations as methods; see the module docstring."""

    # --- conversations ------------------------------------------------------------------

    def conversation_list(self, query: Query) -> dict:
        return conversations.conversation_list(self, query)

    def conversation_get(self, conversation_id: str) -> dict:
        return conversations.conversation_get(self, conversation_id)

    def conversation_messages_list(self, conversation_id: str, query: Query) -> dict:
        return conversations.conversation_messages_list(self, conversation_id, query)

    def conversation_reassign(self, conversation_id: str, body: dict) -> None:
        conversations.conversation_reassign(self, conversation_id, body)

    def conversation_read(self, conversation_id: str, body: dict) -> dict:
        return conversations.conversation_read(self, conversation_id, body)

    def conversation_close(self, conversation_id: str) -> None:
        conversations.conversation_close(self, conversation_id)

    # --- messages -----------------------------------------------------------------------

    def message_get(self, message_id: str) -> dict:
        return messages.message_get(self, message_id)

    def message_send(self, body: dict, sender_id: str | None) -> dict:
        return messages.message_send(self, body, sender_id)

    def conversation_message_send(
        self, conversation_id: str, body: dict, sender_id: str | None
    ) -> dict:
        return messages.conversation_message_send(self, conversation_id, body, sender_id)

    def message_react(self, message_id: str, body: dict, sender_id: str | None) -> dict:
        return reactions.message_react(self, message_id, body, sender_id)

    # --- inboxes, users, media ----------------------------------------------------------

    def inbox_list(self, query: Query) -> dict:
        return directory.inbox_list(self, query)

    def user_list(self, query: Query) -> dict:
        return directory.user_list(self, query)

    def media_upload(
        self, filename: str | None, content_type: str | None, data: bytes | None
    ) -> dict:
        return media.media_upload(self, filename, content_type, data)

    def media_download(self, tenant_id: str, media_id: str) -> Media:
        return media.media_download(self, tenant_id, media_id)

    # --- the control API's verbs ----------------------------------------------------------

    def inbound(self, body: dict) -> dict:
        return customers.inbound(self, body)

    def force_delivery(self, message_id: str, body: dict) -> dict:
        return delivery.force_delivery(self, message_id, body)

    def stats(self) -> dict:
        """The tenant's counts, for /_sim/health and /_sim/reset."""
        with self.lock:
            customers.catch_up(self)
            return {
                "conversations": len(self.conversations),
                "byStatus": {status: self.index.count(status) for status in STATUSES},
                "waiting": sum(
                    1 for conv in self.conversations.values() if conv.waiting_ms is not None
                ),
                "messagesGenerated": len(self.messages),
                "now": self.clock.now_ms(),
            }
