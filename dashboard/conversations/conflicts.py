"""Before an action: has someone else just acted on this conversation?

Two supervisors on one conversation can both answer the customer, or one can reassign it
while the other replies. When another account's action on it went through in the last
CONFLICT_WINDOW_SECONDS (the audit log: `outcome` ok), the action is refused once, before
anything is sent or audited, with who did what and when, and a button that sends the same
form again (the same idempotency key: it cannot be sent twice) with `confirm` set to the
newest entry it was shown. That entry, not a mere yes, is what is confirmed: an action by
someone else that lands after the question asks again. Checked on the server at the moment
of the action, so it holds without JavaScript and whatever the page showed.

Nothing is audited for a question asked: nothing reached Flownally, and the audit log
records actions, not second thoughts. One's own actions never ask.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.names import who

# What another person does that one should know before acting too (a reaction is not).
CONFLICTING = (
    AuditEntry.Action.REPLY,
    AuditEntry.Action.RESEND,
    AuditEntry.Action.REASSIGN,
    AuditEntry.Action.CLOSE,
    AuditEntry.Action.MARK_READ,
)


def unconfirmed(
    conversation_id: str, user: User | AnonymousUser, confirmed: str | None
) -> AuditEntry | None:
    """Another account's latest action on this conversation within the window, unless
    `confirmed` (the form's `confirm`) is its ID (anything else asks: a newer action, or a
    made-up value). One query."""
    window = settings.CONFLICT_WINDOW_SECONDS
    if window <= 0:
        return None
    found = AuditEntry.objects.filter(
        conversation_id=conversation_id,
        action__in=CONFLICTING,
        outcome=AuditEntry.Outcome.OK,
        at__gte=timezone.now() - timedelta(seconds=window),
    )
    if user.pk is not None:
        found = found.exclude(user_id=user.pk)
    latest = found.select_related("user").order_by("-id").first()
    if latest is None or confirmed == str(latest.id):
        return None
    return latest


def words(entry: AuditEntry) -> str:
    """ "kasia (Kasia Lewandowska, team lead) replied 25 s ago"."""
    name = who(entry.user) if entry.user is not None else entry.username
    seconds = max(0, int((timezone.now() - entry.at).total_seconds()))
    done = AuditEntry.Action(entry.action).label
    return f"{name} {done[0].lower()}{done[1:]} {seconds} s ago"
