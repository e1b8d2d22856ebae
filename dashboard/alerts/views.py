"""The alert poll (`/alerts/state/`), polled by every signed-in page, and each user's
alert preferences (`/alerts/`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.accounts.roles import perm
from dashboard.alerts.models import AlertPreference
from dashboard.alerts.state import AlertState, alert_state
from dashboard.openqueue import reading
from dashboard.openqueue.index import Index

STATE = "alerts/state.html#alert-state"


def current_state(*, keep_walked: bool = True) -> AlertState | None:
    """The alert state from the index in memory, or None while there is none or it is stale
    (a browser then keeps its last count rather than flash to zero). Never waits for a
    walk. A poll keeps the index walked, as a page showing it does; a page's first render
    only peeks, so loading a page costs Flownally nothing by itself."""
    queue = reading.current(wait=0) if keep_walked else reading.peek()
    if queue.index is None or queue.stale:
        return None
    global _memo
    now = timezone.now()
    key = (int(now.timestamp()), settings.WAIT_ALERT_MINUTES)
    memo = _memo
    if memo is not None and memo[0] is queue.index and memo[1] == key:
        return memo[2]
    found = alert_state(queue.index, now, settings.WAIT_ALERT_MINUTES)
    _memo = (queue.index, key, found)
    return found


# Every open tab polls: the state is worked out once per index and second in a process
# (10 ms at 10,000 open conversations), not once per poll.
_memo: tuple[Index, tuple[int, int], AlertState] | None = None


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def state(request: HttpRequest) -> HttpResponse:
    return render(request, STATE, {"alert_state": current_state(), **poll_context()})


def poll_context() -> dict:
    return {"alerts_poll_seconds": settings.ALERTS_POLL_SECONDS}


@require_http_methods(["GET", "POST"])
@permission_required(perm("view_conversations"), raise_exception=True)
def preferences(request: HttpRequest) -> HttpResponse:
    choice = AlertPreference.of(request.user)
    if request.method == "POST":
        choice.sound = request.POST.get("sound") == "on"
        choice.desktop = request.POST.get("desktop") == "on"
        choice.save()
        messages.success(request, "Alerts saved.")
        return redirect("alert_preferences")
    context = {"choice": choice, "alert_minutes": settings.WAIT_ALERT_MINUTES}
    return render(request, "alerts/preferences.html", context)
