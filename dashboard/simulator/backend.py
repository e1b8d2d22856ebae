"""The simulated Flownally tenant: its state and rules, one method per API operation.

Nothing here knows HTTP. Every operation runs under one lock that is held only for the
operation itself (microseconds), never across the simulated network latency. Before each
operation the tenant catches up with the clock: customers write in at the configured
rate, so state is a function of clock time, and a test moves time instead of sleeping.
"""

from __future__ import annotations

import mimetypes
import os
import random
import threading
from bisect import bisect_left, insort
from dataclasses import dataclass, fields
from itertools import islice

from dashboard.simulator import ids, render, seed, validation
from dashboard.simulator.clock import Clock
from dashboard.simulator.content import APPROVED_TEMPLATES, preview, text
from dashboard.simulator.corpus import FIRST_NAMES, LAST_NAMES, NEW_CUSTOMER_LINES, REPLY_LINES
from dashboard.simulator.errors import ApiError, detail, invalid, not_found
from dashboard.simulator.listing import DEFAULT_SORT, SORTS, STATUSES, ConversationIndex, PageTokens
from dashboard.simulator.models import (
    Contact,
    Conversation,
    Delivery,
    Inbox,
    Media,
    Message,
    Reaction,
)
from dashboard.simulator.validation import Problems

MAX_UPLOAD_BYTES = 16 * 1024 * 1024
ACCEPTED_MEDIA = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "application/pdf": "document",
    "text/plain": "document",
    "video/mp4": "video",
    "audio/mpeg": "audio",
    "audio/ogg": "audio",
}
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/pdf": (b"%PDF-",),
}


@dataclass
class SimConfig:
    """Behaviour a test may tune at run time through /_sim/config."""

    latency_ms: int = 0
    traffic_per_minute: float = 4.0
    fail_rate: float = 0.05
    read_rate: float = 0.7
    sent_after_ms: int = 1000
    delivered_after_ms: int = 3000
    read_after_ms: int = 8000
    failed_after_ms: int = 2500

    def update(self, changes: dict) -> None:
        known = {f.name: f.type for f in fields(self)}
        for camel, value in changes.items():
            name = "".join("_" + ch.lower() if ch.isupper() else ch for ch in camel)
            if (
                name not in known
                or isinstance(value, bool)
                or not isinstance(value, int | float)
                or value < 0
            ):
                raise invalid(
                    detail(
                        camel,
                        "invalid",
                        f"{camel} is not a known setting or not a non-negative number.",
                    )
                )
            setattr(self, name, float(value) if known[name] == "float" else int(value))

    def as_json(self) -> dict:
        return {
            "".join(
                part.capitalize() if n else part for n, part in enumerate(f.name.split("_"))
            ): getattr(self, f.name)
            for f in fields(self)
        }


class Backend:
    def __init__(
        self, seed_value: int, conversations: int, clock: Clock, config: SimConfig | None = None
    ) -> None:
        self.clock = clock
        self.config = config or SimConfig()
        self.seed = seed_value
        self.lock = threading.RLock()
        self._rng = random.Random(seed_value)
        self._tokens = PageTokens(f"flownally-sim-{seed_value}".encode())
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
        self._messages: dict[str, Message] = {}
        for conv in tenant.conversations:
            for msg in conv.messages or ():
                self._messages[msg.id] = msg
        self.index = ConversationIndex(tenant.conversations)
        self._next_event_ms: int | None = None
        self._last_minted = (0, 0)

    # --- helpers ----------------------------------------------------------------------

    def _new_id(self, prefix: str, at: int) -> str:
        """IDs minted at run time come from the seeded generator (same seed, same events, same
        IDs) and grow monotonically, as ULIDs do, even within one millisecond."""
        if at <= self._last_minted[0]:
            at, random72 = self._last_minted[0], self._last_minted[1] + 1
        else:
            random72 = self._rng.getrandbits(
                71
            )  # 71 bits: room to count up, never the seeded marker
        self._last_minted = (at, random72)
        return ids.ulid(prefix, at, random72)

    def _file_address(self, conv: Conversation) -> None:
        self._by_contact.setdefault(conv.contact_id, []).append(conv)
        self._by_address.setdefault((conv.channel, conv.external_id), []).append(conv)

    def messages_of(self, conv: Conversation) -> list[Message]:
        """A conversation's messages, generating a seeded history on first use."""
        if conv.messages is None:
            conv.messages = self._tenant.generate_messages(conv)
            for msg in conv.messages:
                self._messages[msg.id] = msg
        return conv.messages

    def _conversation(self, conversation_id: str) -> Conversation:
        conv = self.conversations.get(conversation_id)
        if conv is None:
            raise not_found("conversation")
        return conv

    def _message(self, message_id: str) -> Message:
        msg = self._messages.get(message_id)
        if msg is None:
            seeded = ids.seeded_index(message_id)
            if seeded is not None and seeded[0] < len(self._generated):
                self.messages_of(self._generated[seeded[0]])
                msg = self._messages.get(message_id)
        if msg is None:
            raise not_found("message")
        return msg

    def _render_message(self, msg: Message, now_ms: int) -> dict:
        return render.message(msg, now_ms, self.media)

    def _paged(self, items: list, query: dict[str, list[str]], name: str, render_item) -> dict:
        """Keyset pages over a short list ordered by ID (inboxes, users)."""
        size = validation.page_size(_first(query, "pageSize"))
        token = _first(query, "pageToken")
        start = 0
        if token:
            (after,) = self._tokens.read(name, token)
            start = bisect_left([item.id for item in items], after)
            start += start < len(items) and items[start].id == after
        page = items[start : start + size]
        more = start + size < len(items)
        return {
            name: [render_item(item) for item in page],
            "nextPageToken": self._tokens.issue(name, (page[-1].id,)) if more else None,
        }

    # --- time moves ---------------------------------------------------------------------

    def catch_up(self) -> None:
        """Let customers write in for every moment since the last operation."""
        now = self.clock.now_ms()
        rate = self.config.traffic_per_minute / 60_000
        if rate <= 0:
            self._next_event_ms = None
            return
        if self._next_event_ms is None:
            self._next_event_ms = now + int(self._rng.expovariate(rate)) + 1
        for _ in range(5000):
            if self._next_event_ms > now:
                return
            self._customer_event(self._next_event_ms)
            self._next_event_ms += int(self._rng.expovariate(rate)) + 1
        self._next_event_ms = (
            now + int(self._rng.expovariate(rate)) + 1
        )  # a huge jump: skip the rest

    def _customer_event(self, at: int) -> None:
        roll = self._rng.random()
        active = [status for status in ("open", "pending") if self.index.count(status)]
        if roll < 0.25 or not active:
            inbox = self._rng.choice([inbox for inbox in self.inboxes.values()])
            number = self._rng.randrange(500_000_000, 899_999_999)
            external = {
                "email": f"customer.{number}@example.com",
                "webchat": f"visitor-{number:x}",
            }.get(inbox.channel, f"48{number}")
            name = f"{self._rng.choice(FIRST_NAMES)} {self._rng.choice(LAST_NAMES)}"
            conv = self._start_conversation(
                inbox, self._new_contact(inbox.channel, external, name, at), external, at
            )
            self.add_customer_message(conv, at, text(self._rng.choice(NEW_CUSTOMER_LINES)))
            return
        status = "closed" if roll > 0.9 and self.index.count("closed") else self._rng.choice(active)
        conv = self.conversations[
            self.index.at(status, self._rng.randrange(self.index.count(status)))
        ]
        self.add_customer_message(conv, at, text(self._rng.choice(REPLY_LINES)))

    def _new_contact(self, channel: str, external: str, name: str | None, at: int) -> Contact:
        contact = Contact(self._new_id("con", at), name, {channel: external})
        self.contacts[contact.id] = contact
        return contact

    def _start_conversation(
        self, inbox: Inbox, contact: Contact, external: str, at: int
    ) -> Conversation:
        conv = Conversation(
            id=self._new_id("cnv", at),
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

    def _append(self, conv: Conversation, msg: Message) -> None:
        messages = self.messages_of(conv)
        if messages and msg.created_ms < messages[-1].created_ms:
            msg.created_ms = messages[-1].created_ms  # a history never goes back in time
        # Cursors bisect on (createdAt, id): keep that order even within one millisecond.
        insort(messages, msg, key=lambda m: m.key)
        self._messages[msg.id] = msg
        last = messages[-1]
        media = self.media.get(last.content.get("media", {}).get("mediaId", ""))
        conv.last_ms = last.created_ms
        conv.last_preview = preview(last.content, media.filename if media else None)
        conv.last_sender = last.sender_type

    def add_customer_message(self, conv: Conversation, at: int, content: dict) -> Message:
        msg = Message(
            self._new_id("msg", at), conv.id, at, "customer", conv.contact_id, content, None
        )
        self._append(conv, msg)
        conv.last_customer_ms = msg.created_ms
        conv.unread += 1
        if conv.status == "closed":
            conv.status = "open" if conv.assignee_id else "pending"
        if conv.waiting_ms is None:
            conv.waiting_ms = msg.created_ms
        self.index.update(conv, self.clock.now_ms())
        return msg

    def _add_outbound(
        self, conv: Conversation, at: int, content: dict, sender_id: str | None
    ) -> Message:
        msg = Message(
            self._new_id("msg", at),
            conv.id,
            at,
            "user",
            sender_id,
            content,
            self._plan_delivery(at, content),
        )
        self._append(conv, msg)
        conv.waiting_ms = None
        conv.interacted = True
        if conv.status != "open":
            conv.status = "open"
        self.index.update(conv, self.clock.now_ms())
        return msg

    def _plan_delivery(self, at: int, content: dict) -> Delivery:
        cfg = self.config
        channel_id = f"sim.{self._rng.getrandbits(64):016x}"
        if self._rng.random() < cfg.fail_rate:
            code = {"template": "template_rejected", "media": "media_rejected"}.get(
                content["type"], "recipient_unreachable"
            )
            return Delivery(
                at,
                at + cfg.sent_after_ms,
                failed_ms=at + cfg.failed_after_ms,
                failure_code=code,
                channel_message_id=channel_id,
            )
        read = at + cfg.read_after_ms if self._rng.random() < cfg.read_rate else None
        return Delivery(
            at,
            at + cfg.sent_after_ms,
            at + cfg.delivered_after_ms,
            read,
            channel_message_id=channel_id,
        )

    # --- conversations ------------------------------------------------------------------

    def conversation_list(self, query: dict[str, list[str]]) -> dict:
        size = validation.page_size(_first(query, "pageSize"))
        sort = _first(query, "sort")
        sort = DEFAULT_SORT if sort is None else sort
        if sort not in SORTS:
            raise invalid(detail("sort", "invalid", f"sort must be one of: {', '.join(SORTS)}."))
        requested = [value for raw in query.get("status", []) for value in raw.split(",")]
        unknown = sorted(set(requested) - set(STATUSES))
        if unknown:
            raise invalid(
                detail(
                    "status",
                    "invalid",
                    f"Unknown status {unknown[0]!r}; use {', '.join(STATUSES)}.",
                )
            )
        statuses = tuple(s for s in STATUSES if s in requested) or STATUSES
        interacted = validation.boolean(_first(query, "interacted"), "interacted")
        fingerprint = f"conversations|{sort}|{','.join(statuses)}|{interacted}"
        token = _first(query, "pageToken")
        with self.lock:
            self.catch_up()
            if token:
                began, *after_key = self._tokens.read(fingerprint, token)
                after: tuple | None = tuple(after_key)
            else:
                began, after = self.clock.now_ms(), None
            keys = (
                k
                for k in self.index.walk(sort, statuses, after, began)
                if interacted is None or self.conversations[k[-1]].interacted == interacted
            )
            page = list(islice(keys, size + 1))
            items = [render.conversation(self.conversations[key[-1]]) for key in page[:size]]
            more = len(page) > size
            return {
                "conversations": items,
                "nextPageToken": self._tokens.issue(fingerprint, (began, *page[size - 1]))
                if more
                else None,
            }

    def conversation_get(self, conversation_id: str) -> dict:
        with self.lock:
            self.catch_up()
            return render.conversation_details(
                self._conversation(conversation_id), self.clock.now_ms()
            )

    def conversation_messages_list(self, conversation_id: str, query: dict[str, list[str]]) -> dict:
        size = validation.page_size(_first(query, "pageSize"))
        token = _first(query, "pageToken")
        with self.lock:
            self.catch_up()
            conv = self._conversation(conversation_id)
            fingerprint = f"messages|{conv.id}"
            messages = self.messages_of(conv)
            end = len(messages)
            if token:
                end = bisect_left(
                    messages, self._tokens.read(fingerprint, token), key=lambda m: m.key
                )
            page = messages[max(0, end - size) : end][::-1]  # newest first
            now = self.clock.now_ms()
            more = end - size > 0
            return {
                "messages": [self._render_message(msg, now) for msg in page],
                "nextPageToken": self._tokens.issue(fingerprint, page[-1].key) if more else None,
            }

    def conversation_reassign(self, conversation_id: str, body: dict) -> None:
        user_id = validation.required_id(body, "usr", "userId")
        with self.lock:
            self.catch_up()
            conv = self._conversation(conversation_id)
            user = self.users.get(user_id)
            if user is None or not user.active:
                raise invalid(
                    detail("userId", "unknown", "userId is not an active member of the team.")
                )
            self.messages_of(conv)  # a seeded history is generated before the conversation changes
            conv.assignee_id = user.id
            if conv.status == "pending":
                conv.status = "open"
            self.index.update(conv, self.clock.now_ms())

    def conversation_read(self, conversation_id: str, body: dict) -> dict:
        message_id = validation.required_id(body, "msg", "lastMessageId")
        with self.lock:
            self.catch_up()
            conv = self._conversation(conversation_id)
            messages = self.messages_of(conv)
            target = next((msg for msg in messages if msg.id == message_id), None)
            if target is None:
                raise invalid(
                    detail(
                        "lastMessageId",
                        "unknown",
                        "lastMessageId is not a message of this conversation.",
                    )
                )
            conv.read_key = target.key
            conv.unread = sum(
                1 for msg in messages if msg.sender_type == "customer" and msg.key > target.key
            )
            return render.conversation(conv)

    def conversation_close(self, conversation_id: str) -> None:
        with self.lock:
            self.catch_up()
            conv = self._conversation(conversation_id)
            self.messages_of(conv)
            conv.status = "closed"
            conv.waiting_ms = None
            self.index.update(conv, self.clock.now_ms())

    # --- messages -----------------------------------------------------------------------

    def message_get(self, message_id: str) -> dict:
        with self.lock:
            self.catch_up()
            msg = self._message(message_id)
            conv = self.conversations[msg.conversation_id]
            return {
                "message": self._render_message(msg, self.clock.now_ms()),
                "conversation": render.conversation(conv),
            }

    def message_send(self, body: dict, sender_id: str | None) -> dict:
        problems = Problems()
        recipient = validation.recipient(body.get("recipient"), problems)
        content = validation.content(body.get("content"), problems)
        inbox_id = validation.optional_id(body.get("inboxId"), "ibx", "inboxId", problems)
        problems.raise_if_any()
        with self.lock:
            self.catch_up()
            inbox = self._inbox(inbox_id)
            conv, start = self._resolve(recipient, inbox)
            channel = conv.channel if conv else start[0].channel
            last_customer = conv.last_customer_ms if conv else None
            self._check_content(content, channel, last_customer)
            if conv is None:
                inbox, contact, external = start
                now = self.clock.now_ms()
                contact = contact or self._new_contact(inbox.channel, external, None, now)
                conv = self._start_conversation(inbox, contact, external, now)
            return self._send(conv, content, sender_id)

    def conversation_message_send(
        self, conversation_id: str, body: dict, sender_id: str | None
    ) -> dict:
        problems = Problems()
        content = validation.content(body.get("content"), problems)
        inbox_id = validation.optional_id(body.get("inboxId"), "ibx", "inboxId", problems)
        problems.raise_if_any()
        with self.lock:
            self.catch_up()
            conv = self._conversation(conversation_id)
            inbox = self._inbox(inbox_id)
            if inbox is not None and inbox.channel != conv.channel:
                raise invalid(
                    detail(
                        "inboxId",
                        "not_allowed",
                        f"inboxId is a {inbox.channel} inbox; this conversation is on {conv.channel}.",
                    )
                )
            self._check_content(content, conv.channel, conv.last_customer_ms)
            return self._send(conv, content, sender_id)

    def _inbox(self, inbox_id: str | None) -> Inbox | None:
        if inbox_id is None:
            return None
        inbox = self.inboxes.get(inbox_id)
        if inbox is None:
            raise invalid(
                detail("inboxId", "unknown", "inboxId does not name an inbox of this tenant.")
            )
        return inbox

    def _resolve(self, recipient: dict, inbox: Inbox | None) -> tuple[Conversation | None, tuple]:
        """The conversation a recipient points to, or (inbox, contact or None, address) for a
        new one, which is made only once the content has passed its checks."""
        kind = recipient["type"]
        if kind == "conversation":
            conv = self.conversations.get(recipient["conversationId"])
            if conv is None:
                raise invalid(
                    detail("recipient.conversationId", "unknown", "No such conversation.")
                )
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
            contact = self.contacts.get(recipient["contactId"])
            if contact is None:
                raise invalid(detail("recipient.contactId", "unknown", "No such contact."))
            candidates = [
                c
                for c in self._by_contact.get(contact.id, [])
                if inbox is None or c.inbox_id == inbox.id
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
                detail(
                    "inboxId", "not_allowed", f"inboxId is a {inbox.channel} inbox, not {channel}."
                )
            )
        candidates = [
            c
            for c in self._by_address.get((channel, external), [])
            if inbox is None or c.inbox_id == inbox.id
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
            (self.contacts[c.contact_id] for c in self._by_address.get((channel, external), [])),
            None,
        )
        return None, (inbox, known, external)

    def _check_content(self, content: dict, channel: str, last_customer_ms: int | None) -> None:
        allowed = render.sendability(channel, last_customer_ms, self.clock.now_ms())[
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
        if kind == "media" and content["media"]["mediaId"] not in self.media:
            raise invalid(
                detail("content.media.mediaId", "unknown", "No uploaded media has this ID.")
            )

    def _send(self, conv: Conversation, content: dict, sender_id: str | None) -> dict:
        now = self.clock.now_ms()
        msg = self._add_outbound(conv, now, content, sender_id)
        return {
            "message": self._render_message(msg, now),
            "conversation": render.conversation(conv),
        }

    def message_react(self, message_id: str, body: dict, sender_id: str | None) -> dict:
        emoji = validation.emoji(body.get("emoji"))
        removed = body.get("removed", False)
        if not isinstance(removed, bool):
            raise invalid(detail("removed", "invalid", "removed must be true or false."))
        with self.lock:
            self.catch_up()
            msg = self._message(message_id)
            channel = self.conversations[msg.conversation_id].channel
            if channel in ("sms", "email"):
                raise invalid(
                    detail("id", "not_allowed", f"Reactions are not available on {channel}.")
                )
            now = self.clock.now_ms()
            # Like WhatsApp: one reaction per sender per message; a new emoji replaces the old.
            mine = next(
                (r for r in msg.reactions if r.sender_id == sender_id and r.sender_type == "user"),
                None,
            )
            if removed:
                if mine is not None and mine.emoji == emoji:
                    msg.reactions.remove(mine)
                    msg.reactions_changed_ms = now
                    return {"reaction": render.reaction(mine, removed=True)}
                return {
                    "reaction": render.reaction(
                        Reaction(self._new_id("rxn", now), msg.id, "user", sender_id, emoji, now),
                        removed=True,
                    )
                }
            if mine is not None and mine.emoji == emoji:
                return {"reaction": render.reaction(mine)}
            if mine is not None:
                msg.reactions.remove(mine)
            reaction = Reaction(self._new_id("rxn", now), msg.id, "user", sender_id, emoji, now)
            msg.reactions.append(reaction)
            msg.reactions_changed_ms = now
            return {"reaction": render.reaction(reaction)}

    # --- inboxes, users, media --------------------------------------------------------------

    def inbox_list(self, query: dict[str, list[str]]) -> dict:
        with self.lock:
            return self._paged(
                sorted(self.inboxes.values(), key=lambda i: i.id), query, "inboxes", render.inbox
            )

    def user_list(self, query: dict[str, list[str]]) -> dict:
        with self.lock:
            return self._paged(
                sorted(self.users.values(), key=lambda u: u.id), query, "users", render.user
            )

    def media_upload(
        self, filename: str | None, content_type: str | None, data: bytes | None
    ) -> dict:
        if data is None:
            raise invalid(
                detail("file", "required", "Send the file as the multipart field 'file'.")
            )
        if not data:
            raise invalid(detail("file", "too_short", "The file is empty."))
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(
                413,
                "payload_too_large",
                f"Files may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.",
            )
        name = _safe_filename(filename)
        mime = (content_type or "").split(";")[0].strip().lower()
        if mime in ("", "application/octet-stream"):
            mime = mimetypes.guess_type(name)[0] or ""
        if mime not in ACCEPTED_MEDIA:
            raise ApiError(
                415,
                "unsupported_media_type",
                f"Files of type {mime or 'unknown'} cannot be sent; accepted: {', '.join(sorted(ACCEPTED_MEDIA))}.",
            )
        if (mime in _MAGIC and not data.startswith(_MAGIC[mime])) or (
            mime == "image/webp" and not (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        ):
            raise ApiError(415, "unsupported_media_type", f"The file's content is not {mime}.")
        with self.lock:
            now = self.clock.now_ms()
            media = Media(self._new_id("mda", now), ACCEPTED_MEDIA[mime], mime, name, data, now)
            self.media[media.id] = media
            return render.media_upload(media)

    def media_download(self, tenant_id: str, media_id: str) -> Media:
        with self.lock:
            media = self.media.get(media_id)
            if media is None or tenant_id != seed.TENANT_ID:
                raise not_found("media")
            return media

    # --- the control API's verbs --------------------------------------------------------------

    def inbound(self, body: dict) -> dict:
        """A customer writes: into a conversation, or from an address (maybe a new one)."""
        problems = Problems()
        said = body.get("text")
        content = validation.content(body["content"], problems) if "content" in body else None
        if content is None and not problems.details:
            if not isinstance(said, str) or not said:
                problems.add("text", "required", "Give the customer's text (or a content object).")
            else:
                content = text(said)
        problems.raise_if_any()
        with self.lock:
            self.catch_up()
            now = self.clock.now_ms()
            if "conversationId" in body:
                conv = self._conversation(str(body["conversationId"]))
            else:
                channel, raw = body.get("channel"), body.get("externalId")
                if channel not in validation.CHANNELS or not isinstance(raw, str):
                    raise invalid(
                        detail(
                            "channel", "required", "Give conversationId, or channel and externalId."
                        )
                    )
                external = validation.normalize_external_id(channel, raw)
                if external is None:
                    raise invalid(
                        detail("externalId", "invalid", f"Not a valid {channel} address.")
                    )
                existing = self._by_address.get((channel, external))
                if existing:
                    conv = max(existing, key=lambda c: c.last_ms)
                else:
                    inbox = self._inbox(body.get("inboxId")) or next(
                        i for i in self.inboxes.values() if i.channel == channel
                    )
                    name = body.get("name") if isinstance(body.get("name"), str) else None
                    conv = self._start_conversation(
                        inbox, self._new_contact(channel, external, name, now), external, now
                    )
            msg = self.add_customer_message(conv, now, content)
            return {
                "message": self._render_message(msg, now),
                "conversation": render.conversation(conv),
            }

    def force_delivery(self, message_id: str, body: dict) -> dict:
        status = body.get("deliveryStatus")
        if status not in ("sent", "delivered", "read", "failed"):
            raise invalid(
                detail(
                    "deliveryStatus",
                    "invalid",
                    "deliveryStatus must be sent, delivered, read or failed.",
                )
            )
        with self.lock:
            msg = self._message(message_id)
            if msg.delivery is None:
                raise invalid(
                    detail("id", "not_allowed", "Customer messages have no delivery to force.")
                )
            now, plan = self.clock.now_ms(), msg.delivery
            plan.sent_ms = min(plan.sent_ms or now, now)
            if status == "failed":
                plan.failed_ms, plan.failure_code = (
                    now,
                    body.get("failureCode") or "recipient_unreachable",
                )
                plan.delivered_ms = plan.read_ms = None
            else:
                plan.failed_ms = None
                plan.delivered_ms = (
                    min(plan.delivered_ms or now, now) if status in ("delivered", "read") else None
                )
                plan.read_ms = now if status == "read" else None
            return self._render_message(msg, now)

    def stats(self) -> dict:
        with self.lock:
            self.catch_up()
            return {
                "conversations": len(self.conversations),
                "byStatus": {status: self.index.count(status) for status in STATUSES},
                "waiting": sum(
                    1 for conv in self.conversations.values() if conv.waiting_ms is not None
                ),
                "messagesGenerated": len(self._messages),
                "now": self.clock.now_ms(),
            }


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _safe_filename(filename: str | None) -> str:
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')[:255].strip()
    return name or "upload"
