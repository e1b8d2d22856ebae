"""The dashboard's roles: Django groups holding these permissions (app label `accounts`).

Flownally only knows the dashboard's one token, so what a person may do is decided here,
on the server, in every view; templates only hide what the view would refuse anyway.
"""

from __future__ import annotations

PERMISSIONS = {
    "view_conversations": "Can view conversations and their messages",
    "send_messages": "Can reply, send templates and media, and start conversations",
    "react": "Can react to messages",
    "reassign": "Can reassign conversations",
    "close": "Can close conversations",
    "mark_read": "Can mark conversations read",
    "view_audit": "Can view the audit log",
}

SUPERVISOR, TEAM_LEAD, VIEWER = "Supervisor", "Team lead", "Viewer"
ROLES = {
    SUPERVISOR: tuple(PERMISSIONS),
    TEAM_LEAD: ("view_conversations", "reassign", "close", "mark_read"),
    VIEWER: ("view_conversations",),
}


def perm(codename: str) -> str:
    """The full permission name for `user.has_perm`."""
    assert codename in PERMISSIONS, codename
    return f"accounts.{codename}"
