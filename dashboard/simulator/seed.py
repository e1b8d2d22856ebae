"""The seeded tenant: the reference's own records plus `conversations` generated ones.

The reference records (Anna's WhatsApp conversation, a hostile webchat visitor) have fixed
IDs that tests and the dashboard's examples name; the generated ones come from
generated.py. The same seed gives the same tenant on every start.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from dashboard.simulator import ids
from dashboard.simulator.content import text
from dashboard.simulator.generated import Generator
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

_MINUTE = 60_000
_DAY = 24 * 60 * _MINUTE

# (fixed ID or None for a seeded one, name, channel, address, weight); the weight is how
# often a generated conversation lands in that inbox.
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
    generator: Generator
    inboxes: list[Inbox]
    users: list[User]
    media: list[Media]
    conversations: list[Conversation]
    contacts: list[Contact]

    def generate_messages(self, conv: Conversation) -> list[Message]:
        """A generated conversation's history, built on first use (see generated.py)."""
        return self.generator.messages(conv)


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
    generator = Generator(
        seed, now_ms, inboxes, [weight for *_, weight in _INBOXES], users, REFERENCE_USER_ID
    )
    planned = [generator.plan(index) for index in range(conversations)]
    contacts = [anna, mallory] + [contact for _, contact in planned]
    generated = [conv for conv, _ in planned]
    return Tenant(generator, inboxes, users, media, [reference, hostile, *generated], contacts)


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
            text("Hi Anna, your order is ready for pickup."),
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
    return Message(message_id, conversation_id, at, "customer", contact_id, text(body), None)
