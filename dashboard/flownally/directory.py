"""Names for the IDs Flownally gives (inboxes, team members, senders)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dashboard.flownally import client
from dashboard.flownally.errors import FlownallyError
from dashboard.flownally.models import Message, User

SENDERS = {"customer": "Customer", "user": "Team", "bot": "Bot"}


def names(list_all: Callable[[], Iterable]) -> dict[str, str]:
    """ID -> name; empty when Flownally cannot say (pages then show IDs, not an error)."""
    try:
        return {item.id: item.name for item in list_all()}
    except FlownallyError:
        return {}


def inbox_names() -> dict[str, str]:
    return names(client.iter_inboxes)


def user_names() -> dict[str, str]:
    return names(client.iter_users)


def team() -> list[User]:
    """Every team member with their details; empty when Flownally cannot say."""
    try:
        return list(client.iter_users())
    except FlownallyError:
        return []


def sender(message: Message, users: dict[str, str]) -> str:
    if message.sender_type == "user":
        return users.get(message.sender_id or "", "Team")
    return SENDERS.get(message.sender_type, message.sender_type)
