"""Taking over a job whose worker died.

django-tasks-db marks a task RUNNING when a worker takes it and leaves it so if that worker
is killed: nothing would ever run the job again. A job's runner renews its lease (in the
job's row) while it works, so a job that is unfinished, unleased or past its lease, and
whose latest task is no longer waiting to run, has lost its worker: it gets a new task
(the dead one is marked failed). Its items keep their keys, so whatever the dead worker
had sent is replayed, not repeated.

`db_worker` (our command of that name) does this at start and every half lease; the job
page does it for the job it shows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dashboard.bulk import tasks
from dashboard.bulk.models import Job

logger = logging.getLogger("dashboard.bulk")


def _orphaned(job: Job) -> bool:
    now = timezone.now()
    if job.finished or (job.lease_until is not None and job.lease_until >= now):
        return False
    found = DBTaskResult.objects.filter(id=job.task_id).first() if job.task_id else None
    if found is None:
        return True
    if found.status == TaskResultStatus.READY:
        return False  # waiting for a worker (or for its run_after)
    grace = timedelta(seconds=settings.BULK_LEASE_SECONDS)
    # A task just taken, whose runner has not taken the lease yet, is not lost.
    starting = job.lease_until is None and found.started_at and found.started_at > now - grace
    return not (found.status == TaskResultStatus.RUNNING and starting)


def recover(job: Job) -> bool:
    """Give `job` a new task if its worker died; True if it did."""
    if not _orphaned(job):
        return False
    with transaction.atomic():
        # Only one of several recoverers wins the job's `runs` count.
        if not Job.objects.filter(pk=job.pk, runs=job.runs, task_id=job.task_id).update(
            runs=job.runs
        ):
            return False
        DBTaskResult.objects.filter(id=job.task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path="dashboard.bulk.recovery.WorkerLost",
            traceback="Its worker stopped renewing the job's lease (killed?); the job was requeued.",
        )
        tasks.enqueue(job.pk)
    logger.warning("bulk job %s lost its worker; requeued", job.pk)
    return True


def recover_all() -> int:
    """Requeue every job that lost its worker; how many."""
    now = timezone.now()
    candidates = Job.objects.filter(state__in=Job.ACTIVE).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    return sum(recover(job) for job in candidates)
