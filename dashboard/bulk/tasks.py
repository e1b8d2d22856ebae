"""The background task behind a bulk job (Django's tasks framework; the database backend
stores each run as a row that exactly one `db_worker` takes), and putting a job in line."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from dashboard.bulk import lease, runner
from dashboard.bulk.models import Job


@task()
def run_job(job_id: int) -> str:
    """Run the job; after an outage, put it back in line for BULK_RESUME_SECONDS later."""
    stopped = runner.run(job_id)
    if stopped.how == "outage":
        resume_at = timezone.now() + timedelta(seconds=settings.BULK_RESUME_SECONDS)
        with transaction.atomic():
            note = f"Flownally is not answering ({stopped.reason[:200]}); trying again at"
            if lease.release(
                job_id,
                stopped.owner,
                state=Job.State.PAUSED,
                note=f"{note} {resume_at:%H:%M:%S} UTC.",
                resume_at=resume_at,
            ):
                enqueue(job_id, run_after=resume_at)
    return stopped.how


def enqueue(job_id: int, *, run_after: datetime | None = None) -> str:
    """A new run of the job's task; the job remembers it (recovery.py looks at it)."""
    result = run_job.using(run_after=run_after).enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id), runs=F("runs") + 1)
    return str(result.id)
