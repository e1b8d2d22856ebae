"""The simulated tenant's records and indexes, and the few changes every operation shares.

One `TenantState` holds everything a running tenant knows: its records by ID, the indexes
that make lists and lookups cheap, the clock, the run-time config and the seeded random
generator. The operations (conversations.py, messages.py, customers.py, …) are functions
over it; backend.py gathers them into one object, one method per API operation.

Every operation takes `lock`, and holds it only for the operation itself, never across the
simulated network latency. Nothing here knows HTTP.
"""

from __future__ import annotations

import random
import threading
from bisect import insort

from dashboard.simulator import ids, render, seed
from dashboard.simulator.clock import Clock
from dashboard.simulator.config import SimConfig
from dashboard.simulator.content import preview
from dashboard.simulator.errors import detail, invalid, not_found
from dashboard.simulator.listing import ConversationIndex, PageTokens
from dashboard.simulator.models import Contact, Conversation, Inbox, Message


class TenantState:
    """A running tenant: records, indexes, clock, config; see the module docstring."""

    def __init__(
        self, seed_value: int, conversations: int, clock: Clock, config: SimConfig | None = None
    ) -> None:
        self.clock = clock
        self.config = config or SimConfig()
        self.seed = seed_value
        self.lock = threading.RLock()
        # One generator for everything decided at run time, so the same seed and the same
        # requests give the same tenant (IDs, traffic, delivery outcomes).
        self.rng = random.Random(seed_value)
        self.tokens = PageTokens(f"flownally-sim-{seed_value}".encode())
        tenant = seed.build(seed_value, conversations, clock.now_ms())
        self._tenant = tenant
        self.inboxes = {inbox.id: inbox for inbox in tenant.inboxes}
        self.users = {user.id: user for user in tenant.users}
        self.media = {item.id: item for item in tenant.media}
        self.contacts = {contact.id: contact for contact in tenant.contacts}
        self.conversations = {conv.id: conv for conv in tenant.conversations}
        self._generated = [conv for conv in tenant.conversations if conv.seed_index >= 0]
        self._by_contact: dict[str, list[Conversation]] = {}
        self._by_address: dict[tuple[str, str], list[Conversation]] = {}
        for conv in tenant.conversations:
            self._file_address(conv)
        self.messages: dict[str, Message] = {}  # every message built so far
        for conv in tenant.conversations:
            for msg in conv.messages or ():
                self.messages[msg.id] = msg
        self.index = ConversationIndex(tenant.conversations)
        self.next_event_ms: int | None = None  # when the next customer writes in (customers.py)
        self._last_minted = (0, 0)

    def new_id(self, prefix: str, at: int) -> str:
        """IDs minted at run time come from the seeded generator (same seed, same events, same
        IDs) and grow monotonically, as ULIDs do, even within one millisecond."""
        if at <= self._last_minted[0]:
            at, random72 = self._last_minted[0], self._last_minted[1] + 1
        else:
            # 71 bits: room to count up, never the seeded marker.
            random72 = self.rng.getrandbits(71)
        self._last_minted = (at, random72)
        return ids.ulid(prefix, at, random72)

    def _file_address(self, conv: Conversation) -> None:
        self._by_contact.setdefault(conv.contact_id, []).append(conv)
        self._by_address.setdefault((conv.channel, conv.external_id), []).append(conv)

    # --- lookups ------------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation:
        conv = self.conversations.get(conversation_id)
        if conv is None:
            raise not_found("conversation")
        return conv

    def message(self, message_id: str) -> Message:
        msg = self.messages.get(message_id)
        if msg is None:
            # A seeded ID names its conversation, whose history may not be built yet.
            seeded = ids.seeded_index(message_id)
            if seeded is not None and seeded[0] < len(self._generated):
                self.messages_of(self._generated[seeded[0]])
                msg = self.messages.get(message_id)
        if msg is None:
            raise not_found("message")
        return msg

    def inbox(self, inbox_id: str | None) -> Inbox | None:
        """The inbox a request names in `inboxId`, None when it names none."""
        if inbox_id is None:
            return None
        inbox = self.inboxes.get(inbox_id)
        if inbox is None:
            raise invalid(
                detail("inboxId", "unknown", "inboxId does not name an inbox of this tenant.")
            )
        return inbox

    def at_address(self, channel: str, external_id: str) -> list[Conversation]:
        """Conversations with one channel address, oldest first."""
        return self._by_address.get((channel, external_id), [])

    def with_contact(self, contact_id: str) -> list[Conversation]:
        """Conversations with one contact, on any channel, oldest first."""
        return self._by_contact.get(contact_id, [])

    def messages_of(self, conv: Conversation) -> list[Message]:
        """A conversation's messages, generating a seeded history on first use."""
        if conv.messages is None:
            conv.messages = self._tenant.generate_messages(conv)
            for msg in conv.messages:
                self.messages[msg.id] = msg
        return conv.messages

    def render_message(self, msg: Message, now_ms: int) -> dict:
        return render.message(msg, now_ms, self.media)

    # --- changes shared by several operations -------------------------------------------

    def new_contact(self, channel: str, external: str, name: str | None, at: int) -> Contact:
        contact = Contact(self.new_id("con", at), name, {channel: external})
        self.contacts[contact.id] = contact
        return contact

    def start_conversation(
        self, inbox: Inbox, contact: Contact, external: str, at: int
    ) -> Conversation:
        conv = Conversation(
            id=self.new_id("cnv", at),
            seed_index=-1,
            inbox_id=inbox.id,
            channel=inbox.channel,
            external_id=external,
            contact_id=contact.id,
            contact_name=contact.name,
            status="pending",
            assignee_id=None,
            created_ms=at,
            last_ms=at,
            last_preview="",
            last_sender="customer",
            last_customer_ms=None,
            waiting_ms=None,
            unread=0,
            interacted=False,
            messages=[],
        )
        self.conversations[conv.id] = conv
        self._file_address(conv)
        self.index.add(conv)
        return conv

    def append(self, conv: Conversation, msg: Message) -> None:
        """Add a message to its conversation's history and summary (not its status)."""
        messages = self.messages_of(conv)
        if messages and msg.created_ms < messages[-1].created_ms:
            msg.created_ms = messages[-1].created_ms  # a history never goes back in time
        # Cursors bisect on (createdAt, id): keep that order even within one millisecond.
        insort(messages, msg, key=lambda m: m.key)
        self.messages[msg.id] = msg
        last = messages[-1]
        media = self.media.get(last.content.get("media", {}).get("mediaId", ""))
        conv.last_ms = last.created_ms
        conv.last_preview = preview(last.content, media.filename if media else None)
        conv.last_sender = last.sender_type
