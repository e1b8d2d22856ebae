"""`/bulk/<id>/`: a job's progress bar and per-item results, polled by htmx until the job
ends (then 286 stops the polling); `/bulk/<id>/cancel/` stops it before the next item."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from dashboard.bulk import jobs, record, recovery, toolbar
from dashboard.bulk.models import Item, Job
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.flownally import directory

PAGE = "bulk/job.html"
POLL_SECONDS = 1


def _job_for(request: HtmxHttpRequest, job_id: int) -> Job:
    if not toolbar.allowed(request.user)["any"]:
        raise PermissionDenied
    return get_object_or_404(Job, pk=job_id)


def _context(job: Job) -> dict:
    tally = record.tally_of(job)
    finished = job.total - tally[Item.State.PENDING]
    users = directory.user_names()
    items: list[dict] = [
        {"item": item, "to": users.get(item.target, item.target)}
        for item in job.items.exclude(state=Item.State.PENDING)
    ]
    return {
        "job": job,
        "tally": tally,
        "words": record.words(tally),
        "finished_count": finished,
        "percent": round(100 * finished / job.total) if job.total else 100,
        "problems": [row for row in items if row["item"].state != Item.State.DONE],
        "done": [row for row in items if row["item"].state == Item.State.DONE],
        "poll_seconds": POLL_SECONDS,
        "lease_seconds": settings.BULK_LEASE_SECONDS,
    }


@require_GET
def bulk_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    if recovery.recover(job):  # its worker died: a new task takes over
        job.refresh_from_db()
    if job.finished and job.created_by_id == request.user.pk and not job.told:
        Job.objects.filter(pk=job.pk).update(told=True)  # seen here: no message later
    if request.htmx:
        response = render(request, PAGE + "#progress", _context(job))
        if job.finished:
            return HttpResponseStopPolling(response.content)
        return response
    return render(request, PAGE, _context(job))


@require_POST
def bulk_cancel(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    jobs.cancel(job)
    job.refresh_from_db()
    if request.htmx:
        return render(request, PAGE + "#progress", _context(job))
    return redirect("bulk_job", job_id=job.pk)
