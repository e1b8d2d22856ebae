"""`python manage.py seed_trends [--days 8]`: demo history for the trends page, shaped
around one walk of the Flownally the settings point at (the demo's simulator). Refused
without DEBUG: made-up minutes have no place beside a real team's."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dashboard.flownally.errors import FlownallyError
from dashboard.openqueue import walk
from dashboard.trends import seed


class Command(BaseCommand):
    help = "Seed past minutes of trends (demo history, marked as seeded); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=8)

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo history is for the demo (DEBUG=true).")
        try:
            found = walk.compute()
        except FlownallyError as error:
            raise CommandError(f"Flownally could not be read: {error}") from error
        per_member = {uid: c.open for uid, c in found.health.per_assignee.items() if uid}
        members = sorted(found.active_users | set(per_member))
        shares = seed.shares_of(per_member, members)
        days = options["days"]
        assert isinstance(days, int)
        added = seed.seed(timezone.now(), days, max(1, found.health.open), shares, found.users)
        self.stdout.write(f"Trends: {added} seeded minutes added ({days} days of demo history).")
