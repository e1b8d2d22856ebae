"""Writing down what a job did: each item's outcome and its audit entry in one
transaction (one entry per item, with its key), and one entry for the job when it ends."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone

from dashboard.accounts.models import AuditEntry
from dashboard.bulk import acting
from dashboard.bulk.models import Item, Job

_ITEM_STATE = {
    acting.DONE: Item.State.DONE,
    acting.SKIPPED: Item.State.SKIPPED,
    acting.REFUSED: Item.State.FAILED,
    acting.FAILED: Item.State.FAILED,
}
_OUTCOME = {
    acting.DONE: AuditEntry.Outcome.OK,
    acting.SKIPPED: AuditEntry.Outcome.SKIPPED,
    acting.REFUSED: AuditEntry.Outcome.REFUSED,
    acting.FAILED: AuditEntry.Outcome.FAILED,
}


def _entry(job: Job, **fields: object) -> AuditEntry:
    return AuditEntry(user_id=job.created_by_id, username=job.username, **fields)


def item_done(job: Job, item: Item, result: acting.Result) -> None:
    """An item has its final outcome."""
    item.state = _ITEM_STATE[result.kind]
    item.reason = result.reason[:300]
    item.finished_at = timezone.now()
    where = f" → {item.target}" if item.target else ""
    with transaction.atomic():
        item.save(update_fields=["state", "reason", "finished_at"])
        _entry(
            job,
            action=AuditEntry.Action.CLOSE if job.action == "close" else AuditEntry.Action.REASSIGN,
            conversation_id=item.conversation_id,
            summary=f"Bulk job {job.pk}{where}" + (f": {item.reason}" if item.reason else ""),
            outcome=_OUTCOME[result.kind],
            upstream_status=result.status,
            upstream_request_id=result.request_id,
            error=result.reason[:500] if result.kind in (acting.FAILED, acting.REFUSED) else "",
            idempotency_key=item.idempotency_key,
        ).save()


def job_finished(job: Job, state: str, *, unless_running: bool = False) -> bool:
    """The job ends (done or cancelled): items never started are marked so, and the job's
    own audit entry says how it went. False if it had already ended (or, with
    `unless_running`, a runner holds it: that runner ends it)."""
    now = timezone.now()
    waiting = {"state__in": (Job.State.QUEUED, Job.State.PAUSED), "lease_owner": ""}
    with transaction.atomic():
        # Only once, whoever gets here first (a cancel and a runner may both try).
        ending = Job.objects.filter(pk=job.pk, state__in=Job.ACTIVE)
        if unless_running:
            ending = ending.filter(**waiting)
        if not ending.update(
            state=state, finished_at=now, lease_owner="", lease_until=None, note=""
        ):
            return False
        if state == Job.State.CANCELLED:
            job.items.filter(state=Item.State.PENDING).update(
                state=Item.State.CANCELLED, finished_at=now
            )
        tally = tally_of(job)
        _entry(
            job,
            action=AuditEntry.Action.BULK,
            summary=f"Bulk job {job.pk} {state}: {words(tally)}. {job.summary}",
            outcome=AuditEntry.Outcome.FAILED
            if tally[Item.State.FAILED]
            else AuditEntry.Outcome.OK,
        ).save()
    return True


def tally_of(job: Job) -> Counter[str]:
    found: Counter[str] = Counter()
    for state in job.items.values_list("state", flat=True):
        found[state] += 1
    return found


def words(tally: Counter[str]) -> str:
    parts = [f"{tally[Item.State.DONE]} done"]
    parts += [
        f"{tally[state]} {label}"
        for state, label in (
            (Item.State.SKIPPED, "skipped"),
            (Item.State.FAILED, "failed"),
            (Item.State.CANCELLED, "not done"),
            (Item.State.PENDING, "pending"),
        )
        if tally[state]
    ]
    return ", ".join(parts)
