"""Keeping a minute: after a successful walk the refresher's walker calls `record(index)`,
never a request thread. The row's minute is the one the walk began in.

Three instances may each walk within one minute; the unique minute and an insert that
ignores conflicts make the first row the minute's only one. Pruning needs no cron: when a
process keeps its first minute, and then one at least PRUNE_EVERY minutes after its last
prune, rows past TRENDS_RETENTION_DAYS go, in bounded batches. A database error never
reaches the walk: it is logged, the minute lost.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection

from dashboard.openqueue.index import Index
from dashboard.trends.models import Minute, epoch_minute

PRUNE_EVERY = 10  # minutes
PRUNE_BATCH = 1000  # rows per delete
PRUNE_BATCHES = 20  # per prune: a backlog is worked off over later prunes
log = logging.getLogger(__name__)

_last: datetime | None = None  # this process's last minute written (or found written)
_pruned: datetime | None = None  # the minute at which this process last pruned


def minute_of(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(second=0, microsecond=0)


def row(index: Index, at: datetime, *, seeded: bool = False) -> Minute:
    health = index.health
    members = {
        uid: [counts.open, counts.waiting] for uid, counts in health.per_assignee.items() if uid
    }
    wait = health.longest_wait_seconds
    return Minute(
        at=at,
        minute=epoch_minute(at),
        open=health.open,
        pending=health.pending,
        waiting=health.waiting,
        unassigned=health.unassigned,
        longest_wait=None if wait is None else round(wait),
        failed=index.failed_deliveries,
        members=members,
        names={uid: index.users.get(uid, uid) for uid in members},
        seeded=seeded,
    )


def record(index: Index) -> bool:
    """Keep `index`'s numbers for its minute unless that minute has a row; False when this
    process had kept that minute already (no query) or the database failed. Never raises
    for the database."""
    global _last, _pruned
    if not settings.TRENDS_KEEP_MINUTES:
        return False
    at = minute_of(index.started_at)
    if _last is not None and at <= _last:
        return False  # this process already kept this minute: no query at all
    try:
        # A long-lived thread: drop a connection that broke (the database restarted) or
        # outlived CONN_MAX_AGE, as a request's end would (never inside a transaction).
        if not connection.in_atomic_block:
            close_old_connections()
        Minute.objects.bulk_create([row(index, at)], ignore_conflicts=True)
        _last = at
        # Every PRUNE_EVERY minutes of walks, whatever minutes the walks fall on.
        if _pruned is None or at - _pruned >= timedelta(minutes=PRUNE_EVERY):
            _pruned = at
            prune(at)
    except Exception:  # the database, or a bug: the walk goes on either way
        log.exception("trends: the minute %s could not be kept", at.isoformat())
        return False
    return True


def prune(now: datetime | None = None) -> int:
    """Delete rows older than the retention, at most PRUNE_BATCHES * PRUNE_BATCH of them."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=settings.TRENDS_RETENTION_DAYS)
    deleted = 0
    for _ in range(PRUNE_BATCHES):
        ids = list(Minute.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            break
        deleted += Minute.objects.filter(pk__in=ids).delete()[0]
    return deleted


def forget_process_state() -> None:
    """Forget the last minute written and pruned here (tests)."""
    global _last, _pruned
    _last = _pruned = None
