"""The words of the seeded tenant: customers' and agents' names and lines.

Kept apart from the code that builds the tenant so that changing what people say never
touches how the tenant is built. Deliberately multilingual, with emoji, markup and long
lines, because the dashboard must show all of them. The order of every tuple is part of
the seed: a seeded choice picks by position, so reordering changes every tenant.
"""

from __future__ import annotations

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

# What customers write when the clock brings new traffic (see customers.py).
NEW_CUSTOMER_LINES = (
    "Hi, I have a question about my order",
    "Hello! Do you have this in size M?",
    "My package hasn't arrived yet",
    "Can I return an item I bought last week?",
)
REPLY_LINES = (
    "Any news?",
    "Thanks!",
    "Ok, I'll wait",
    "Still not working 😕",
    "Great, that helped 🙌",
)
