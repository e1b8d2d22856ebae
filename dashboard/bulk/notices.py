"""Telling people how their bulk jobs ended when they were not watching: on their next
page (a full page load, not a poll), one message per job that finished since."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from dashboard.bulk import record
from dashboard.bulk.models import Job


class FinishedJobsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and request.user.is_authenticated
            and not getattr(request, "htmx", False)
        ):
            tell(request)
        return self.get_response(request)


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
