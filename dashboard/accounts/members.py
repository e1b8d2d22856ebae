"""Who is who: the Flownally team member (`usr_…`) a dashboard account belongs to.

Flownally knows only the dashboard's one token, so it cannot say which person acted; this
link can. `flownally_user_id` is asked on pages that poll, so it comes from the cache the
sign-in backend keeps, under the same account's generation: a changed link is seen on the
very next request, as a changed role is. Every change of a link goes through `member_link` (the
people page) or `link_changed` (the admin, which saves the row itself), and is audited.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from dashboard.accounts.audit import recorded
from dashboard.accounts.backends import remembered
from dashboard.accounts.models import AuditEntry, Member
from dashboard.flownally import directory


def flownally_user_id(user: User | AnonymousUser) -> str | None:
    """The team member `user` is linked to; None when not linked (or not signed in)."""
    pk = user.pk
    if pk is None:
        return None
    return remembered(f"accounts:member:{pk}", pk, lambda: linked_id(pk)) or None


def linked_id(user_pk: int) -> str:
    """The link as stored ("" when none), read past the cache."""
    found = Member.objects.filter(user_id=user_pk).values_list("flownally_user_id", flat=True)
    return found.first() or ""


def member_link(account: User, flownally_user_id: str, *, by: User | AnonymousUser) -> str | None:
    """Link `account` to a team member ("" unlinks) and audit it. The ID must already be
    valid (format, and no other account's); returns the audit summary, None if unchanged."""
    with transaction.atomic():
        member, _ = Member.objects.select_for_update().get_or_create(user=account)
        before = member.flownally_user_id
        if before == flownally_user_id:
            return None
        member.flownally_user_id = flownally_user_id
        member.save(update_fields=["flownally_user_id"])
        return link_changed(account, before, flownally_user_id, by=by)


def link_changed(account: User, before: str, after: str, *, by: User | AnonymousUser) -> str | None:
    """Audit a link that changed from `before` to `after` (IDs, "" for none)."""
    if before == after:
        return None
    names = directory.user_names()  # Flownally's directory is cached: usually no request

    def who(user_id: str) -> str:
        return f"{names[user_id]} ({user_id})" if user_id in names else user_id

    if not after:
        change = f"unlinked from {who(before)}"
    elif not before:
        change = f"linked to {who(after)}"
    else:
        change = f"linked to {who(after)} instead of {who(before)}"
    summary = f"{account.get_username()}: {change}"
    recorded(by, AuditEntry.Action.ACCOUNT_CHANGE, summary)
    return summary
