"""Create the demo accounts (supervisor, lead, viewer; password `demo`). Demo mode only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from dashboard.accounts.roles import SUPERVISOR, TEAM_LEAD, VIEWER

DEMO_ACCOUNTS = {"supervisor": SUPERVISOR, "lead": TEAM_LEAD, "viewer": VIEWER}
DEMO_PASSWORD = "demo"


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
        accounts = ", ".join(f"{name} ({role})" for name, role in DEMO_ACCOUNTS.items())
        self.stdout.write(f"Demo accounts: {accounts}; password: {DEMO_PASSWORD}")
