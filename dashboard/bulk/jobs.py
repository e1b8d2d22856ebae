"""Starting and cancelling bulk jobs (what the views ask for)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from dashboard.bulk import record, tasks
from dashboard.bulk.models import Item, Job
from dashboard.bulk.plan import Plan


def start(user: User | AnonymousUser, plan: Plan, summary: str) -> Job:
    """The job and its items (each with its Idempotency-Key, fixed now), and its task,
    in one transaction: a job is never without a way to run."""
    with transaction.atomic():
        job = Job.objects.create(
            created_by=user if isinstance(user, User) else None,
            username=user.get_username() or "anonymous",
            action=plan.action,
            summary=summary[:500],
            total=len(plan.steps),
        )
        Item.objects.bulk_create(
            Item(
                job=job,
                position=position,
                conversation_id=step.conversation_id,
                name=step.name[:200],
                before_assignee=step.before_assignee,
                before_status=step.before_status,
                target=step.target,
            )
            for position, step in enumerate(plan.steps)
        )
        tasks.enqueue(job.pk)
    return job


def cancel(job: Job) -> None:
    """Stop before the next item. A job no worker is running ends at once; a running one
    ends when its runner sees the request (items in flight finish; done ones stay done)."""
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    record.job_finished(job, Job.State.CANCELLED, unless_running=True)
