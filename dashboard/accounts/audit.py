"""Writing the audit log around an upstream action (`with audited(...) as entry: call()`),
and for a change made here alone (`recorded`: accounts and their links)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import AnonymousUser, User

from dashboard.accounts.models import AuditEntry
from dashboard.flownally.errors import FlownallyError, NotFound, Unavailable, ValidationFailed


@contextmanager
def audited(
    user: User | AnonymousUser,
    action: str,
    *,
    conversation_id: str = "",
    message_id: str = "",
    summary: str = "",
    idempotency_key: str = "",
) -> Iterator[AuditEntry]:
    """Record one action and its upstream outcome, whatever happens, then re-raise errors.

    The entry is yielded so the caller can add what only the answer tells (a message id).
    """
    entry = AuditEntry(
        user=None if isinstance(user, AnonymousUser) else user,
        username=user.get_username() or "anonymous",
        action=action,
        conversation_id=conversation_id,
        message_id=message_id,
        summary=summary[:300],
        idempotency_key=idempotency_key[:255],
        outcome=AuditEntry.Outcome.OK,
    )
    try:
        yield entry
    except FlownallyError as error:
        entry.outcome = _outcome(error)
        entry.upstream_status = error.status or None
        entry.upstream_request_id = error.request_id or ""
        entry.error = str(error)[:500]
        raise
    except BaseException as error:
        # A crash here, not an answer from Flownally: never recorded as done.
        entry.outcome = AuditEntry.Outcome.ERROR
        entry.error = f"Failed in the dashboard: {type(error).__name__}"[:500]
        raise
    finally:
        entry.save()


def recorded(by: User | AnonymousUser, action: str, summary: str) -> AuditEntry:
    """An entry for a change with nothing upstream to wait for: it is done when saved."""
    return AuditEntry.objects.create(
        user=None if isinstance(by, AnonymousUser) else by,
        username=by.get_username() or "anonymous",
        action=action,
        summary=summary[:300],
        outcome=AuditEntry.Outcome.OK,
    )


def _outcome(error: FlownallyError) -> str:
    if isinstance(error, ValidationFailed | NotFound):
        return AuditEntry.Outcome.REFUSED
    if isinstance(error, Unavailable) and not error.status:
        return AuditEntry.Outcome.UNKNOWN  # no answer: it may or may not have happened
    return AuditEntry.Outcome.FAILED
