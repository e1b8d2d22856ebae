"""Running one bulk job: its pending items, BULK_CONCURRENCY at a time, until every item
has an outcome, the job is cancelled, or Flownally goes down.

Only this (the task's) thread touches the database; the pool's threads only talk to
Flownally (acting.py). Before an item is handed to the pool it is marked as tried, and its
outcome is written as soon as Flownally has answered: a worker killed at any moment
leaves at most the items in flight unrecorded, and those are sent again, with their keys,
by whoever runs the job next (a replay at Flownally, not a second action).

Cancel stops before the next item (those in flight finish). An outage stops handing out
items too; the items stay pending and the task reschedules the job (tasks.py).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from dashboard.bulk import acting, lease, record
from dashboard.bulk.models import Item, Job

logger = logging.getLogger("dashboard.bulk")

CHECK_EVERY = 0.25  # seconds between looks at the job row (cancel) while items run


@dataclass(frozen=True)
class Stopped:
    """How a run ended: `finished` (done or cancelled), `outage` (the job should try again
    later: `reason` says why), `lost` (its lease went to another runner) or `busy`
    (another runner holds it, or it had already ended)."""

    how: str
    owner: str = ""
    reason: str = ""


def run(job_id: int) -> Stopped:
    owner = uuid.uuid4().hex
    if not lease.take(job_id, owner):
        return Stopped("busy")
    job = Job.objects.get(pk=job_id)
    stop = threading.Event()
    outage: acting.Result | None = None
    lost = False
    gate = acting.Gate()
    pending = iter(list(job.items.filter(state=Item.State.PENDING).order_by("position")))
    running: dict[Future[acting.Result], Item] = {}
    renewed = checked = time.monotonic()
    concurrency = max(1, settings.BULK_CONCURRENCY)
    with ThreadPoolExecutor(concurrency, thread_name_prefix="bulk") as pool:
        while True:
            while not stop.is_set() and outage is None and len(running) < concurrency:
                if _cancelled(job_id):  # asked before the next item: it never starts
                    stop.set()
                    break
                item = next(pending, None)
                if item is None:
                    break
                running[pool.submit(acting.act, job.action, _tried(item), gate, stop)] = item
            if not running:
                break
            finished, _ = wait(running, timeout=CHECK_EVERY, return_when=FIRST_COMPLETED)
            for future in finished:
                item, result = running.pop(future), future.result()
                if result.kind == acting.OUTAGE:
                    outage = outage or result  # the item stays pending, for the next run
                elif result.kind != acting.NOT_STARTED:
                    record.item_done(job, item, result)
            now = time.monotonic()
            if now - renewed >= lease.renew_every():
                renewed = now
                if not lease.renew(job_id, owner):
                    lost = True
                    stop.set()
            if now - checked >= CHECK_EVERY:
                checked = now
                if _cancelled(job_id):  # also stops waits (429) of items in flight
                    stop.set()
    if lost:
        logger.warning("bulk job %s: its lease went to another runner; stopping", job_id)
        return Stopped("lost")
    job.refresh_from_db()
    if job.cancel_requested:
        record.job_finished(job, Job.State.CANCELLED)
        return Stopped("finished")
    if outage is not None:
        return Stopped("outage", owner, outage.reason)
    record.job_finished(job, Job.State.DONE)
    return Stopped("finished")


def _cancelled(job_id: int) -> bool:
    return Job.objects.filter(pk=job_id, cancel_requested=True).exists()


def _tried(item: Item) -> acting.Work:
    """Mark the item as tried (before anything is sent) and copy what acting needs."""
    tried_before = item.attempts > 0
    Item.objects.filter(pk=item.pk).update(attempts=F("attempts") + 1)
    return acting.Work(
        item.conversation_id,
        item.before_assignee,
        item.before_status,
        item.target,
        item.idempotency_key,
        tried_before,
    )
