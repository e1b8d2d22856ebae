"""Generated conversations: planned from the seed at start-up, their messages built later.

Each generated conversation is planned from `random.Random(seed, index)`: who wrote when,
so that its summary (status, last message, waiting time, unread count) is known without
building its messages. The messages are built from the same plan the first time someone
reads the conversation; the result is identical on every run with the same seed, whatever
order things are read in. That is why every random choice is drawn in one fixed order
(`_draw`) and phrases are picked by a hash rather than by the generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dashboard.simulator import ids
from dashboard.simulator.content import APPROVED_TEMPLATES, WINDOW_MS, preview
from dashboard.simulator.corpus import (
    AGENT_LINES,
    BOT_LINES,
    CUSTOMER_LINES,
    FIRST_NAMES,
    LAST_NAMES,
)
from dashboard.simulator.models import Contact, Conversation, Delivery, Inbox, Message, User

FAILURE_CODES = ("recipient_unreachable", "channel_rate_limited", "unknown")

_MINUTE = 60_000
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


@dataclass(frozen=True, slots=True)
class _Step:
    at: int
    sender: str  # customer | user | bot


@dataclass(frozen=True, slots=True)
class _Draw:
    inbox: Inbox
    status: str
    steps: list[_Step]
    contact: Contact
    assignee_id: str | None


@dataclass(frozen=True, slots=True)
class Generator:
    """Plans and builds the generated conversations of one seeded tenant."""

    seed: int
    built_ms: int
    inboxes: list[Inbox]
    inbox_weights: list[int]  # how often each inbox gets a conversation, in inbox order
    users: list[User]
    default_sender_id: str  # signs the team's replies in conversations nobody is assigned to

    def plan(self, index: int) -> tuple[Conversation, Contact]:
        """Generated conversation `index` and its contact, without its messages."""
        draw = self._draw(index)
        steps, contact = draw.steps, draw.contact
        conv = Conversation(
            id=ids.seeded_id("cnv", self.seed, index),
            seed_index=index,
            inbox_id=draw.inbox.id,
            channel=draw.inbox.channel,
            external_id=contact.identities[draw.inbox.channel],
            contact_id=contact.id,
            contact_name=contact.name,
            status=draw.status,
            assignee_id=draw.assignee_id,
            created_ms=steps[0].at,
            last_ms=steps[-1].at,
            last_preview="",
            last_sender=steps[-1].sender,
            last_customer_ms=None,
            waiting_ms=None,
            unread=0,
            interacted=any(step.sender == "user" for step in steps),
        )
        conv.last_preview = preview(_content(conv, self.seed, len(steps) - 1, steps))
        customer_times = [step.at for step in steps if step.sender == "customer"]
        conv.last_customer_ms = customer_times[-1] if customer_times else None
        trailing = _trailing_customer(steps)
        if conv.status != "closed":
            conv.unread = trailing
            conv.waiting_ms = steps[len(steps) - trailing].at if trailing else None
        return conv, contact

    def messages(self, conv: Conversation) -> list[Message]:
        """The generated conversation's history, exactly as its summary describes it."""
        draw = self._draw(conv.seed_index)
        messages = []
        for n, step in enumerate(draw.steps):
            message_id = ids.seeded_id("msg", self.seed, conv.seed_index, n)
            content = _content(conv, self.seed, n, draw.steps)
            if step.sender == "customer":
                messages.append(
                    Message(
                        message_id, conv.id, step.at, "customer", conv.contact_id, content, None
                    )
                )
                continue
            sender_id = (
                (draw.assignee_id or self.default_sender_id) if step.sender == "user" else None
            )
            delivery = _history_delivery(message_id, step.at, self.seed, n)
            messages.append(
                Message(message_id, conv.id, step.at, step.sender, sender_id, content, delivery)
            )
        trailing = 0 if draw.status == "closed" else _trailing_customer(draw.steps)
        if len(messages) > trailing:
            conv.read_key = messages[len(messages) - trailing - 1].key
        return messages

    def _draw(self, index: int) -> _Draw:
        """Every random choice about generated conversation `index`, in one fixed order."""
        rng = random.Random(self.seed * 1_000_003 + index)
        inbox = rng.choices(self.inboxes, self.inbox_weights)[0]
        status = rng.choices(("closed", "open", "pending"), (55, 28, 17))[0]
        last_age = {
            "pending": lambda: rng.expovariate(1 / (40 * _MINUTE)),
            "open": lambda: rng.expovariate(1 / (6 * _HOUR)),
            "closed": lambda: rng.uniform(30 * _MINUTE, 45 * _DAY),
        }[status]()
        steps = _steps(rng, status, self.built_ms - int(last_age) - 5_000)
        first, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        identity = _identity(rng, inbox.channel, first, index)
        name = None if rng.random() < 0.08 else f"{first} {last_name}"  # some never tell their name
        contact = Contact(ids.seeded_id("con", self.seed, index), name, {inbox.channel: identity})
        agents = [user for user in self.users if user.active]
        assignee = None if status == "pending" and rng.random() < 0.8 else rng.choice(agents).id
        return _Draw(inbox, status, steps, contact, assignee)


def _mix(*parts: int) -> int:
    """A cheap deterministic hash for choosing phrases without a random generator."""
    value = 0x811C9DC5
    for part in parts:
        value = ((value ^ (part & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
    return value


def _trailing_customer(steps: list[_Step]) -> int:
    count = 0
    for step in reversed(steps):
        if step.sender != "customer":
            break
        count += 1
    return count


def _identity(rng: random.Random, channel: str, first: str, index: int) -> str:
    if channel in ("whatsapp", "sms"):
        return f"48{rng.randrange(500_000_000, 899_999_999)}"
    if channel == "email":
        return (
            f"{first.lower().encode('ascii', 'ignore').decode() or 'customer'}.{index}@example.com"
        )
    return f"visitor-{rng.randrange(16**8):08x}"


def _steps(rng: random.Random, status: str, last_ms: int) -> list[_Step]:
    count = rng.randint(1, 4) if status == "pending" else rng.randint(2, 12)
    span = (
        int(rng.uniform(2 * _MINUTE, 2 * _DAY if status == "closed" else 6 * _HOUR))
        if count > 1
        else 0
    )
    times = sorted(last_ms - int(rng.random() * span) for _ in range(count - 2))
    times = [last_ms - span, *times, last_ms][-count:]
    senders = ["customer"]
    for _ in range(count - 1):
        # After the customer, mostly a reply; after a reply, mostly the customer again.
        roll = rng.random()
        if senders[-1] == "customer":
            senders.append("customer" if roll < 0.45 else "user" if roll < 0.95 else "bot")
        else:
            senders.append("customer" if roll < 0.70 else "user" if roll < 0.97 else "bot")
    if status == "pending":
        # Not picked up: the customer spoke last, and nobody of the team has answered since.
        senders = [sender if sender != "user" else "customer" for sender in senders]
        senders[-1] = "customer"
    elif status == "open" and rng.random() < 0.6:
        senders[-1] = "customer"
    return [_Step(at, sender) for at, sender in zip(times, senders, strict=True)]


def _content(conv: Conversation, seed: int, n: int, steps: list[_Step]) -> dict:
    step = steps[n]
    pick = _mix(seed, conv.seed_index, n)
    if step.sender == "customer":
        if pick % 17 == 3:
            return {
                "type": "media",
                "media": {
                    "mediaId": ids.seeded_id("mda", seed, 0),
                    "caption": "Photo of the parcel",
                },
            }
        return {"type": "text", "text": {"body": CUSTOMER_LINES[pick % len(CUSTOMER_LINES)]}}
    if step.sender == "bot":
        return {"type": "text", "text": {"body": BOT_LINES[pick % len(BOT_LINES)]}}
    last_customer = max((s.at for s in steps[:n] if s.sender == "customer"), default=None)
    if conv.channel == "whatsapp" and (
        last_customer is None or step.at - last_customer >= WINDOW_MS
    ):
        # Outside the 24-hour window WhatsApp takes only templates, so history does too.
        names = sorted(APPROVED_TEMPLATES)
        return {
            "type": "template",
            "template": {"name": names[pick % len(names)], "language": "en"},
        }
    if pick % 13 == 5:
        return {
            "type": "media",
            "media": {"mediaId": ids.seeded_id("mda", seed, 1), "caption": "Invoice attached"},
        }
    return {"type": "text", "text": {"body": AGENT_LINES[pick % len(AGENT_LINES)]}}


def _history_delivery(message_id: str, at: int, seed: int, n: int) -> Delivery:
    pick = _mix(seed, at, n)
    channel_id = f"sim.{message_id[-12:].lower()}"
    if pick % 20 == 0:
        return Delivery(
            at,
            at + 1000,
            failed_ms=at + 2500,
            failure_code=FAILURE_CODES[pick % 3],
            channel_message_id=channel_id,
        )
    read_ms = at + 5000 + pick % 600_000 if pick % 4 else None
    return Delivery(at, at + 1000, at + 3000, read_ms, channel_message_id=channel_id)
