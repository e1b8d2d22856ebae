"""Message content as the contract writes it (`{"type": "text", "text": {"body": …}}`).

How content is made and previewed, and the WhatsApp facts that decide which content may
go out: the 24-hour customer-service window and the tenant's approved templates. Shared by
the seeded history and the live operations, so both follow the same rules.
"""

from __future__ import annotations

WINDOW_MS = 24 * 3600 * 1000
APPROVED_TEMPLATES = frozenset(
    {"order_ready", "welcome_back", "appointment_reminder", "payment_reminder", "feedback_request"}
)


def text(body: str) -> dict:
    return {"type": "text", "text": {"body": body}}


def preview(content: dict, media_filename: str | None = None) -> str:
    """The one line a conversation list shows for its last message."""
    kind = content["type"]
    if kind == "text":
        return content["text"]["body"][:200]
    if kind == "template":
        return content["template"]["name"]
    return content["media"].get("caption") or media_filename or "Media"
