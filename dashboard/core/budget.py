"""Every page and poll answers within PAGE_BUDGET_SECONDS whatever Flownally does: the
Flownally calls made for it share that deadline (dashboard/flownally/deadline.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dashboard.flownally import deadline


def page_budget(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        with deadline.within(settings.PAGE_BUDGET_SECONDS):
            return get_response(request)

    return middleware
