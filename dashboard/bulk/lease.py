"""Who runs a job now, in the job's own row: a runner takes the lease, renews it while it
works, and gives it back; one that dies lets it lapse after BULK_LEASE_SECONDS, and the job
can then be taken by another (see recovery.py). Every change is one conditional UPDATE,
so two runners never both hold it, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dashboard.bulk.models import Job


def _until() -> datetime:
    return timezone.now() + timedelta(seconds=settings.BULK_LEASE_SECONDS)


def take(job_id: int, owner: str) -> bool:
    """True when `owner` now holds the job's lease (it was free or had lapsed)."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()) | Q(lease_owner=owner)
    return bool(
        Job.objects.filter(free, id=job_id, state__in=Job.ACTIVE).update(
            lease_owner=owner, lease_until=_until(), state=Job.State.RUNNING, note=""
        )
    )


def renew(job_id: int, owner: str) -> bool:
    """Hold it for another lease; False when it is no longer ours."""
    return bool(Job.objects.filter(id=job_id, lease_owner=owner).update(lease_until=_until()))


def release(job_id: int, owner: str, **changes: object) -> bool:
    """Give it back, with `changes` to the job in the same UPDATE."""
    return bool(
        Job.objects.filter(id=job_id, lease_owner=owner).update(
            lease_owner="", lease_until=None, **changes
        )
    )


def renew_every() -> float:
    return settings.BULK_LEASE_SECONDS / 3
