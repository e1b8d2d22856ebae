"""What the list and the team page need to offer bulk actions: whether this person may
(Viewers may not, and see no checkboxes), and the team members conversations can go to."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from dashboard.accounts.roles import perm
from dashboard.flownally import directory
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
    if index is not None:
        active = ((uid, name) for uid, name in index.users.items() if uid in index.active_users)
    else:
        # Before the first walk ends, Flownally's (cached) team list: a lead who opens the
        # page at that moment still finds everyone under "Reassign to" and "Spread evenly".
        active = ((user.id, user.name) for user in directory.team() if user.active)
    return {"may": may, "members": sorted(active, key=lambda member: member[1].lower())}
