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
    "view_wallboard": "Can view the wallboard",
    "manage_kiosk_links": "Can create and revoke wallboard kiosk links",
    "manage_accounts": "Can create accounts, give them a role and deactivate them",
}

SUPERVISOR, TEAM_LEAD, VIEWER = "Supervisor", "Team lead", "Viewer"
ROLES = {
    SUPERVISOR: tuple(PERMISSIONS),
    TEAM_LEAD: ("view_conversations", "reassign", "close", "mark_read", "view_wallboard"),
    VIEWER: ("view_conversations", "view_wallboard"),
}


def role_of(user: object) -> str | None:
    """The user's role: the first of their groups that is one (None: no role)."""
    names = {group.name for group in user.groups.all()}  # type: ignore[attr-defined]
    return next((role for role in ROLES if role in names), None)


def perm(codename: str) -> str:
    """The full permission name for `user.has_perm`."""
    assert codename in PERMISSIONS, codename
    return f"accounts.{codename}"


def ensure_roles() -> None:
    """Create the role groups with exactly these permissions (idempotent). The data
    migration does this on install; this restores them after a database was flushed."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="auditentry")
    names = {**PERMISSIONS, "view_auditentry": "Can view audit entry"}
    permissions = {
        codename: Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in names.items()
    }
    for role, codenames in ROLES.items():
        extra = ("view_auditentry",) if role == SUPERVISOR else ()
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([permissions[c] for c in (*codenames, *extra)])
