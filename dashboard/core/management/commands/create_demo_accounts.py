"""Create the demo accounts (supervisor, lead, viewer; password `demo`). Demo mode only.

Each is linked to a member of the demo simulator's seeded team, so "Me" in the reassign
menu and "who sent it" on the timeline show in the demo: the supervisor is the token's
owner, the lead another member, the viewer (a wallboard screen) nobody.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from dashboard.accounts.models import Member
from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER
from dashboard.simulator import seed

DEMO_ACCOUNTS = {"supervisor": SUPERVISOR, "lead": TEAM_LEAD, "viewer": VIEWER}
DEMO_PASSWORD = "demo"
DEMO_SEED = 7  # the demo's simulator is started with it (seeded IDs depend on it)
DEMO_MEMBERS = {
    "supervisor": seed.REFERENCE_USER_ID,  # Marta Zielińska, who owns the API token
    "lead": seed.user_id(DEMO_SEED, "Kasia Lewandowska"),
    "viewer": "",
}


class Command(BaseCommand):
    help = "Create demo accounts with the password 'demo' (refuses unless DEBUG is on)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have a published password; they are only created with DEBUG=true."
            )
        users = get_user_model()
        for username, role in DEMO_ACCOUNTS.items():
            user, _ = users.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = username == "supervisor"  # the supervisor may also use the admin
            user.is_superuser = False  # roles come from the groups, as for real accounts
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            _link(user, DEMO_MEMBERS[username])
        accounts = ", ".join(f"{name} ({role})" for name, role in DEMO_ACCOUNTS.items())
        self.stdout.write(f"Demo accounts: {accounts}; password: {DEMO_PASSWORD}")


def _link(user: User, member_id: str) -> None:
    """Link a demo account, taking the member from any other account (one account each):
    a demo restarted after someone relinked on /people/ starts as documented."""
    if member_id:
        for other in Member.objects.filter(flownally_user_id=member_id).exclude(user=user):
            other.flownally_user_id = ""
            other.save()
    Member.objects.update_or_create(user=user, defaults={"flownally_user_id": member_id})
