"""The wallboard (`/wallboard/`), for a signed-in user or through a kiosk link.

A kiosk link carries its token in the URL on every request, the page and each refresh, and
needs no session: nothing can expire mid-shift, and the token opens these two views only
(every other page still asks for sign-in). A revoked or unknown token gets a plain page.
With the database down a screen keeps its board (its link was checked lately, see
KioskLink.find) or says what is wrong and tries again by itself: never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRefresh

from dashboard.accounts.roles import perm
from dashboard.openqueue import reading
from dashboard.openqueue.metrics import Counts
from dashboard.trends.board import trends
from dashboard.wallboard.models import KioskLink

# Rows per table: what fits a 16:9 screen in large type (channels and inboxes share a panel).
TEAM_ROWS, SHARED_ROWS = 10, 6


PAGE, BOARD = "wallboard/board.html", "wallboard/board.html#board"


@require_GET
@permission_required(perm("view_wallboard"), raise_exception=True)
def wallboard(request: HttpRequest) -> HttpResponse:
    return _render(request, PAGE)


@never_cache
@login_not_required
@require_GET
def wallboard_refresh(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseClientRefresh()  # reload: the page then asks for sign-in
    if not request.user.has_perm(perm("view_wallboard")):
        raise PermissionDenied
    return _render(request, BOARD)


@never_cache
@login_not_required
@require_GET
def kiosk(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = KioskLink.find(token)
    except DatabaseError:
        return _no_referrer(_unavailable(request))
    if link is None or link.revoked:
        return _no_referrer(
            render(request, "wallboard/refused.html", {"link": link}, status=410 if link else 404)
        )
    link.mark_used()
    return _render(request, PAGE, token)


@never_cache
@login_not_required
@require_GET
def kiosk_refresh(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = KioskLink.find(token)
    except DatabaseError:
        # Not swapped: the board stays, and marks itself stale if this goes on.
        return HttpResponse("The database cannot be reached.", status=503)
    if link is None or link.revoked:
        return HttpResponseClientRefresh()  # reload: the page then says why
    link.mark_used()
    return _render(request, BOARD, token)


def _render(request: HttpRequest, template: str, token: str | None = None) -> HttpResponse:
    """The board, refreshing through the kiosk link it was opened with, if any."""
    refresh_url = reverse("kiosk_refresh", args=[token]) if token else reverse("wallboard_refresh")
    context = _context(reading.current(), refresh_url)
    # Signed in (no kiosk token): a way back to the dashboard, and rows that open their
    # conversation. A kiosk screen links nowhere: its viewers are not signed in.
    context["signed_in"] = token is None
    return _no_referrer(render(request, template, context))


def _unavailable(request: HttpRequest) -> HttpResponse:
    """A screen whose link cannot be checked (the database is down and the link was not
    checked lately): says so, and reloads by itself until the database is back."""
    retry = settings.WALLBOARD_REFRESH_SECONDS
    response = render(request, "wallboard/unavailable.html", {"retry": retry}, status=503)
    response["Retry-After"] = str(retry)
    return response


def _no_referrer(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"  # a kiosk token must not leave in a Referer
    return response


def _context(board: reading.Reading, refresh_url: str) -> dict:
    context = {
        "board": board,
        "refresh_url": refresh_url,
        "refresh_seconds": settings.WALLBOARD_REFRESH_SECONDS,
        "stale_after": reading.stale_after(),
        "failed_window_minutes": settings.WALLBOARD_FAILED_WINDOW_MINUTES,
    }
    snap = board.index
    if snap is None:
        return context
    health = snap.health
    team = {snap.users.get(uid, uid): counts for uid, counts in health.per_assignee.items() if uid}
    # Team members with nothing open are worth seeing too: they can take the next one.
    team |= {name: Counts() for name in sorted(snap.users.values()) if name not in team}
    inboxes = {snap.inboxes.get(iid, iid): counts for iid, counts in health.per_inbox.items()}
    context.update(
        health=health,
        team=_rows(team, TEAM_ROWS),
        channels=_rows(health.per_channel, SHARED_ROWS),
        inboxes=_rows(inboxes, SHARED_ROWS),
        trends=_trends(snap.health, snap.failed_deliveries),
        longest=[
            {"waiting": w, "inbox": snap.inboxes.get(w.inbox_id, w.inbox_id)}
            for w in health.longest_waiting
        ],
    )
    return context


def _trends(health, failed: int) -> dict | None:
    """The tiles' trends; None when the kept minutes cannot be read (the board goes on)."""
    current = {
        "open": health.open,
        "pending": health.pending,
        "waiting": health.waiting,
        "longest_wait": health.longest_wait_seconds,
        "unassigned": health.unassigned,
        "failed": failed,
    }
    try:
        return trends(current)
    except DatabaseError:
        return None


def _rows(counts: dict[str, Counts], limit: int) -> dict:
    """The first `limit` rows, and how many more there are."""
    items = list(counts.items())
    return {"rows": items[:limit], "more": max(0, len(items) - limit)}
