"""Indexes and kept minutes made by hand, for the trends tests."""

from __future__ import annotations

from datetime import datetime

from dashboard.openqueue.index import Index
from dashboard.openqueue.metrics import Counts, QueueHealth
from dashboard.trends.models import Minute


def an_index(at: datetime, open_: int = 10, waiting: int = 3, **members: tuple[int, int]) -> Index:
    """An index whose walk began at `at`, with `members` as {id: (open, waiting)}."""
    health = QueueHealth(
        open=open_,
        pending=2,
        waiting=waiting,
        unassigned=1,
        longest_wait_seconds=600.4 if waiting else None,
        per_assignee={uid: Counts(*counts) for uid, counts in members.items()} | {"": Counts(1)},
    )
    return Index(
        conversations=(),
        interacted=frozenset(),
        users={uid: f"Member {uid}" for uid in members},
        active_users=frozenset(members),
        inboxes={},
        health=health,
        failed_deliveries=4,
        started_at=at.timestamp(),
        finished_at=at.timestamp() + 1,
    )


def keep(at: datetime, *, seeded: bool = False, **numbers) -> Minute:
    """A kept minute at `at` (seconds dropped), numbers defaulting to small ones."""
    values = {"open": 5, "pending": 1, "waiting": 2, "unassigned": 1, "longest_wait": 120}
    values |= {"failed": 0, "members": {}, "names": {}} | numbers
    return Minute.objects.create(at=at.replace(second=0, microsecond=0), seeded=seeded, **values)
