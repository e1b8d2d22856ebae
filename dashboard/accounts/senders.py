"""Who actually sent a message through the dashboard, from the audit log.

Every dashboard account sends with the one shared token, so Flownally names the token's
owner as the sender of every reply sent from here. The audit log knows better: each sent
message's ID and the account that sent it (replies and new conversations, done). The
name of the team member that account is linked to is added where there is one (the link
as it is now: a corrected link corrects the old messages too).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from dashboard.accounts.models import AuditEntry

SENDS = (AuditEntry.Action.REPLY, AuditEntry.Action.SEND_NEW, AuditEntry.Action.RESEND)


def sent_here(message_ids: Collection[str], users: dict[str, str]) -> dict[str, str]:
    """Message ID -> who sent it ("lead (Ola Nowak), via the dashboard") for those of
    `message_ids` sent through the dashboard; `users` names team members. One query for
    them all, none for no IDs."""
    if not message_ids:
        return {}
    found = (
        AuditEntry.objects.filter(
            action__in=SENDS, outcome=AuditEntry.Outcome.OK, message_id__in=message_ids
        )
        .order_by("id")
        .values_list("message_id", "username", "user__member__flownally_user_id")
    )
    labels: dict[str, str] = {}
    for message_id, username, member_id in found:
        # A retried send (same idempotency key) is logged twice for one message: first wins.
        labels.setdefault(message_id, label(username, users.get(member_id or "")))
    return labels


def label(username: str, member_name: str | None) -> str:
    who = f"{username} ({member_name})" if member_name else username
    return f"{who}, via the dashboard"


@dataclass(frozen=True)
class Resent:
    """A failed message sent again through the dashboard: as which message, by whom, when."""

    message_id: str
    by: str  # "lead (Ola Nowak)"
    at: datetime


def resent(failed_ids: Collection[str], users: dict[str, str]) -> dict[str, Resent]:
    """Failed message ID -> its (first) resend that Flownally accepted, for those of
    `failed_ids` resent from here. One query for them all, none for no IDs."""
    if not failed_ids:
        return {}
    found = (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.RESEND,
            outcome=AuditEntry.Outcome.OK,
            resends__in=failed_ids,
        )
        .order_by("id")
        .values_list("resends", "message_id", "username", "user__member__flownally_user_id", "at")
    )
    done: dict[str, Resent] = {}
    for failed_id, message_id, username, member_id, at in found:
        name = users.get(member_id or "")
        done.setdefault(
            failed_id, Resent(message_id, f"{username} ({name})" if name else username, at)
        )
    return done
