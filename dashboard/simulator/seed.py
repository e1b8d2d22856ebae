"""The seeded tenant: the reference's own records plus `conversations` generated ones.

Generated conversations are planned at start-up from `random.Random(seed, index)`: who
wrote when, so that the conversation's summary (status, last message, waiting time,
unread count) is known without building its messages. The messages are built from the
same plan the first time someone reads the conversation; the result is identical on every
run with the same seed, whatever order things are read in.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass

from dashboard.simulator import ids
from dashboard.simulator.models import Contact, Conversation, Delivery, Inbox, Media, Message, User

TENANT_ID = "tn_01HV8Y1N3QPY9X2HBQ1M9E8D0"
REFERENCE_USER_ID = "usr_01HV8Y3K2R6G7K3F5B9N8M1Q0"
REFERENCE_INBOX_ID = "ibx_01HV8Y4QH7C8H1K5K0C8A2B9E4"
REFERENCE_CONTACT_ID = "con_01HV8Y5R5RFMS0TFK6PKF9H2S8"
REFERENCE_CONVERSATION_ID = "cnv_01HV8Y7YF5J4Y7M9M7T3H3X2A1"
REFERENCE_MESSAGE_ID = "msg_01HV8Z2G8Z3H5M9K2S6A1N0P4"
REFERENCE_CHANNEL_MESSAGE_ID = "wamid.HBgLMjQxMjM0NTY3ODkVAgARGBI"
# A conversation whose customer writes markup, for the dashboard's escaping tests.
HOSTILE_CONVERSATION_ID = "cnv_01HV8Y9XSS0000000000000000"
HOSTILE_CONTACT_ID = "con_01HV8Y9XSS0000000000000000"

APPROVED_TEMPLATES = frozenset(
    {"order_ready", "welcome_back", "appointment_reminder", "payment_reminder", "feedback_request"}
)
WINDOW_MS = 24 * 3600 * 1000

_MINUTE = 60_000
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR

FIRST_NAMES = (
    "Anna",
    "Piotr",
    "Zofia",
    "Jakub",
    "Maria",
    "Lena",
    "Tomasz",
    "Olga",
    "Mateo",
    "Sofía",
    "Liam",
    "Aisha",
    "Kenji",
    "Yuki",
    "Fatima",
    "Omar",
    "Chloé",
    "Lukas",
    "Ingrid",
    "Søren",
    "Nguyễn",
    "Priya",
    "Arjun",
    "Mei",
    "Dmitri",
    "Ewa",
    "Grzegorz",
    "Zoë",
    "Björn",
    "Amara",
)
LAST_NAMES = (
    "Kowalska",
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "García",
    "Müller",
    "O'Brien",
    "Tanaka",
    "Haddad",
    "Okafor",
    "Dubois",
    "Lindqvist",
    "Łukasiewicz",
    "Smith",
    "Petrov",
    "Rossi",
    "Kim",
    "Silva",
    "Novák",
    "Van der Berg",
    "Al-Sayed",
    "Chowdhury",
    "Jensen",
    "Ivanova",
)
CUSTOMER_LINES = (
    "Hi, where is my order?",
    "Is the store open on Sunday?",
    "I was charged twice for order #4827, can you check?",
    "Thanks, I will check it now.",
    "Can I change the delivery address?\nThe new one is Marszałkowska 12/4,\n00-590 Warszawa",
    "The parcel arrived damaged 😞",
    "Hello?? Anyone there?",
    "Perfect, thank you so much! 🙏",
    "Do you ship to Norway?",
    "I need an invoice with my company's VAT number",
    "مرحبا، أين طلبي؟",
    "こんにちは、注文をキャンセルしたいです。",
    "<script>alert('xss')</script> is this thing on?",
    "Ok 👍🏽👨‍👩‍👧‍👦",
    "I've been waiting for 3 days. " * 12,
)
AGENT_LINES = (
    "Hi! Let me check that for you.",
    "Your order is on its way, tracking: PL4827-3391.",
    "I have refunded the duplicate charge; it takes 3–5 business days.",
    "Sure, I have updated the address.",
    "Could you send a photo of the damage?",
    "Yes, we ship to Norway; delivery takes about a week.",
    "The invoice is attached.",
    "Is there anything else I can help with?",
)
BOT_LINES = (
    "Thanks for your message! An agent will reply shortly.",
    "We are closed now and will reply from 8:00.",
)
FAILURE_CODES = ("recipient_unreachable", "channel_rate_limited", "unknown")

_INBOXES = (
    (REFERENCE_INBOX_ID, "Support WhatsApp", "whatsapp", "48500100200", 5),
    (None, "Sales WhatsApp", "whatsapp", "48500100300", 2),
    (None, "SMS notifications", "sms", "48500100400", 1),
    (None, "Email support", "email", "support@acme.example", 2),
    (None, "Website chat", "webchat", "acme.example", 2),
)
_USERS = (
    (REFERENCE_USER_ID, "Marta Zielińska", "owner", True),
    (None, "Kasia Lewandowska", "admin", True),
    (None, "Tomek Kamiński", "agent", True),
    (None, "Julia Szymańska", "agent", True),
    (None, "Adam Dąbrowski", "agent", True),
    (None, "Ola Kozłowska", "agent", True),
    (None, "Michał Jankowski", "agent", True),
    (None, "Natalia Mazur", "agent", True),
    (None, "Paweł Krawczyk", "agent", False),
)


@dataclass
class Tenant:
    seed: int
    built_ms: int
    inboxes: list[Inbox]
    users: list[User]
    media: list[Media]
    conversations: list[Conversation]
    contacts: list[Contact]

    def generate_messages(self, conv: Conversation) -> list[Message]:
        """The generated conversation's history, exactly as its summary describes it."""
        draw = _draw(self.seed, conv.seed_index, self.built_ms, self.inboxes, self.users)
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
            sender_id = (draw.assignee_id or REFERENCE_USER_ID) if step.sender == "user" else None
            delivery = _history_delivery(message_id, step.at, self.seed, n)
            messages.append(
                Message(message_id, conv.id, step.at, step.sender, sender_id, content, delivery)
            )
        trailing = 0 if draw.status == "closed" else _trailing_customer(draw.steps)
        if len(messages) > trailing:
            conv.read_key = messages[len(messages) - trailing - 1].key
        return messages


def _mix(*parts: int) -> int:
    """A cheap deterministic hash for choosing phrases without a random generator."""
    value = 0x811C9DC5
    for part in parts:
        value = ((value ^ (part & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
    return value


def sample_png(width: int = 160, height: int = 120) -> bytes:
    """A small gradient PNG, built by hand so the simulator needs no imaging library."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (40 + x, 90 + y, 200 - x // 2))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sample_pdf(text: str = "Invoice 4827") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def build(seed: int, conversations: int, now_ms: int) -> Tenant:
    inboxes = [
        Inbox(id_ or ids.seeded_id("ibx", seed, n), name, channel, external)
        for n, (id_, name, channel, external, _) in enumerate(_INBOXES)
    ]
    users = [
        User(user_id(seed, name), name, _email(name), role, active)
        for _, name, role, active in _USERS
    ]
    media = [
        Media(
            ids.seeded_id("mda", seed, 0),
            "image",
            "image/png",
            "damaged-parcel.png",
            sample_png(),
            now_ms - 60 * _DAY,
        ),
        Media(
            ids.seeded_id("mda", seed, 1),
            "document",
            "application/pdf",
            "invoice-4827.pdf",
            sample_pdf(),
            now_ms - 60 * _DAY,
        ),
    ]
    reference, anna = _reference_conversation(now_ms)
    hostile, mallory = _hostile_conversation(
        now_ms, next(i for i in inboxes if i.channel == "webchat")
    )
    planned = [_plan(seed, index, now_ms, inboxes, users) for index in range(conversations)]
    contacts = [anna, mallory] + [contact for _, contact in planned]
    generated = [conv for conv, _ in planned]
    return Tenant(seed, now_ms, inboxes, users, media, [reference, hostile, *generated], contacts)


def user_id(seed: int, name: str) -> str:
    """The ID of the seeded team member called `name` (the demo accounts link to them)."""
    for n, (id_, user_name, _, _) in enumerate(_USERS):
        if user_name == name:
            return id_ or ids.seeded_id("usr", seed, n)
    raise KeyError(name)


def _email(name: str) -> str:
    ascii_name = name.lower().translate(str.maketrans("ąćęłńóśźżś", "acelnoszzs"))
    return ascii_name.replace(" ", ".") + "@acme.example"


def _reference_conversation(now_ms: int) -> tuple[Conversation, Contact]:
    """Anna Kowalska's WhatsApp conversation with the reference's IDs and texts."""
    contact = Contact(REFERENCE_CONTACT_ID, "Anna Kowalska", {"whatsapp": "48123456789"})
    asked, answered, thanked = now_ms - 10 * _MINUTE, now_ms - 3 * _MINUTE, now_ms - 1 * _MINUTE
    conv = Conversation(
        id=REFERENCE_CONVERSATION_ID,
        seed_index=-1,
        inbox_id=REFERENCE_INBOX_ID,
        channel="whatsapp",
        external_id="48123456789",
        contact_id=contact.id,
        contact_name=contact.name,
        status="open",
        assignee_id=REFERENCE_USER_ID,
        created_ms=asked,
        last_ms=thanked,
        last_preview="Thanks, I will check it now.",
        last_sender="customer",
        last_customer_ms=thanked,
        waiting_ms=thanked,
        unread=1,
        interacted=True,
    )
    conv.messages = [
        _customer_message(
            ids.seeded_id("msg", 0, 0xFFFFFF, 1),
            conv.id,
            asked,
            contact.id,
            "Hello, is my order ready?",
        ),
        Message(
            REFERENCE_MESSAGE_ID,
            conv.id,
            answered,
            "user",
            REFERENCE_USER_ID,
            {"type": "text", "text": {"body": "Hi Anna, your order is ready for pickup."}},
            Delivery(
                answered,
                answered + 1000,
                answered + 2000,
                channel_message_id=REFERENCE_CHANNEL_MESSAGE_ID,
            ),
        ),
        _customer_message(
            ids.seeded_id("msg", 0, 0xFFFFFF, 2),
            conv.id,
            thanked,
            contact.id,
            "Thanks, I will check it now.",
        ),
    ]
    conv.read_key = conv.messages[1].key
    return conv, contact


def _hostile_conversation(now_ms: int, inbox: Inbox) -> tuple[Conversation, Contact]:
    contact = Contact(
        HOSTILE_CONTACT_ID, "Mallory <img src=x onerror=alert(1)>", {"webchat": "visitor-31337"}
    )
    lines = [
        '<script>alert("pwned")</script>',
        "<img src=x onerror=alert(document.cookie)>",
        "Ignore\u200b previous\u202e instructions \U0001f600" + "\u0301" * 30,
    ]
    start = now_ms - 40 * _MINUTE
    conv = Conversation(
        id=HOSTILE_CONVERSATION_ID,
        seed_index=-1,
        inbox_id=inbox.id,
        channel="webchat",
        external_id="visitor-31337",
        contact_id=contact.id,
        contact_name=contact.name,
        status="pending",
        assignee_id=None,
        created_ms=start,
        last_ms=start + 2 * _MINUTE,
        last_preview=lines[-1],
        last_sender="customer",
        last_customer_ms=start + 2 * _MINUTE,
        waiting_ms=start,
        unread=3,
        interacted=False,
    )
    conv.messages = [
        _customer_message(
            ids.seeded_id("msg", 0, 0xFFFFFE, n), conv.id, start + n * _MINUTE, contact.id, line
        )
        for n, line in enumerate(lines)
    ]
    return conv, contact


def _customer_message(
    message_id: str, conversation_id: str, at: int, contact_id: str, body: str
) -> Message:
    return Message(
        message_id,
        conversation_id,
        at,
        "customer",
        contact_id,
        {"type": "text", "text": {"body": body}},
        None,
    )


# --- generated conversations -------------------------------------------------------------


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


_INBOX_WEIGHTS = [weight for *_, weight in _INBOXES]


def _draw(seed: int, index: int, built_ms: int, inboxes: list[Inbox], users: list[User]) -> _Draw:
    """Every random choice about generated conversation `index`, in one fixed order."""
    rng = random.Random(seed * 1_000_003 + index)
    inbox = rng.choices(inboxes, _INBOX_WEIGHTS)[0]
    status = rng.choices(("closed", "open", "pending"), (55, 28, 17))[0]
    last_age = {
        "pending": lambda: rng.expovariate(1 / (40 * _MINUTE)),
        "open": lambda: rng.expovariate(1 / (6 * _HOUR)),
        "closed": lambda: rng.uniform(30 * _MINUTE, 45 * _DAY),
    }[status]()
    steps = _steps(rng, status, built_ms - int(last_age) - 5_000)
    first, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    identity = _identity(rng, inbox.channel, first, index)
    name = None if rng.random() < 0.08 else f"{first} {last_name}"  # some never tell their name
    contact = Contact(ids.seeded_id("con", seed, index), name, {inbox.channel: identity})
    agents = [user for user in users if user.active]
    assignee = None if status == "pending" and rng.random() < 0.8 else rng.choice(agents).id
    return _Draw(inbox, status, steps, contact, assignee)


def _plan(
    seed: int, index: int, built_ms: int, inboxes: list[Inbox], users: list[User]
) -> tuple[Conversation, Contact]:
    draw = _draw(seed, index, built_ms, inboxes, users)
    steps, contact = draw.steps, draw.contact
    conv = Conversation(
        id=ids.seeded_id("cnv", seed, index),
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
    conv.last_preview = preview(_content(conv, seed, len(steps) - 1, steps))
    customer_times = [step.at for step in steps if step.sender == "customer"]
    conv.last_customer_ms = customer_times[-1] if customer_times else None
    trailing = _trailing_customer(steps)
    if conv.status != "closed":
        conv.unread = trailing
        conv.waiting_ms = steps[len(steps) - trailing].at if trailing else None
    return conv, contact


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


def preview(content: dict, media_filename: str | None = None) -> str:
    kind = content["type"]
    if kind == "text":
        return content["text"]["body"][:200]
    if kind == "template":
        return content["template"]["name"]
    return content["media"].get("caption") or media_filename or "Media"
