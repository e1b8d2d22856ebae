"""What the list and the team page need to offer bulk actions: whether this person may
(Viewers may not, and see no checkboxes), and the team members conversations can go to."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from dashboard.accounts.roles import perm
from dashboard.openqueue.index import Index


def allowed(user: User | AnonymousUser) -> dict[str, bool]:
    can_reassign = user.has_perm(perm("reassign"))
    can_close = user.has_perm(perm("close"))
    return {"reassign": can_reassign, "close": can_close, "any": can_reassign or can_close}


def context(user: User | AnonymousUser, index: Index | None) -> dict:
    """The toolbar's context (`bulk`): empty, so nothing shows, for Viewers."""
    may = allowed(user)
    if not may["any"]:
        return {}
    members = []
    if index is not None:
        members = sorted(
            ((uid, name) for uid, name in index.users.items() if uid in index.active_users),
            key=lambda member: member[1].lower(),
        )
    return {"may": may, "members": members}
