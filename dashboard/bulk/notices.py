"""Telling people how their bulk jobs ended when they were not watching: on their next
page (a full page load, not a poll), one message per job that finished since.

A context processor, not a middleware: it runs only when a page is rendered, so a request
that renders nothing (a 204 poll, /ping, a redirect) costs no query for it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from dashboard.bulk import record
from dashboard.bulk.models import Job


def finished_jobs(request: HttpRequest) -> dict:
    """Adds the messages before the messages context processor's lazy list is read."""
    if (
        request.method == "GET"
        and request.user.is_authenticated
        and not getattr(request, "htmx", False)
    ):
        tell(request)
    return {}


def tell(request: HttpRequest) -> None:
    finished = Job.objects.filter(
        created_by_id=request.user.pk, told=False, finished_at__isnull=False
    )
    for job in finished:
        level = messages.SUCCESS if job.state == Job.State.DONE else messages.WARNING
        messages.add_message(
            request,
            level,
            f"Bulk job {job.pk} {job.get_state_display().lower()}: "
            f"{record.words(record.tally_of(job))}. ({job.summary}) "
            f"Details: {reverse('bulk_job', args=[job.pk])}",
        )
        Job.objects.filter(pk=job.pk).update(told=True)
