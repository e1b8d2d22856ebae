"""Every page and poll answers within PAGE_BUDGET_SECONDS whatever Flownally does: the
Flownally calls made for it share that deadline (dashboard/flownally/deadline.py). The
deadline also says whether the request is a poll, which the Flownally request budget
serves after people's page loads and actions (dashboard/flownally/request_budget.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dashboard.flownally import deadline

# The ids of the elements that refresh themselves (hx-trigger="every …s"): htmx names the
# element that made a request in HX-Trigger. (The timeline also refreshes after a person's
# own action, "timeline-changed": counted as a poll too, it is a re-read of what they saw.)
POLLERS = frozenset({"timeline", "conversation-results", "team-table", "board", "bulk-progress"})


def is_poll(request: HttpRequest) -> bool:
    return request.method == "GET" and request.headers.get("HX-Trigger") in POLLERS


def page_budget(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        with deadline.within(settings.PAGE_BUDGET_SECONDS, poll=is_poll(request)):
            return get_response(request)

    return middleware
