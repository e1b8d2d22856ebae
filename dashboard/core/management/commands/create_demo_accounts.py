"""Create the demo accounts (supervisor, lead, viewer; password `demo`). Demo mode only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_ACCOUNTS = ("supervisor", "lead", "viewer")
DEMO_PASSWORD = "demo"


class Command(BaseCommand):
    help = "Create demo accounts with the password 'demo' (refuses unless DEBUG is on)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts have a published password; they are only created with DEBUG=true."
            )
        users = get_user_model()
        for username in DEMO_ACCOUNTS:
            user, _ = users.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = username == "supervisor"
            user.save()
        self.stdout.write(f"Demo accounts: {', '.join(DEMO_ACCOUNTS)} (password: {DEMO_PASSWORD})")
