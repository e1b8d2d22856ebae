"""Views that are not about one area of the product: health and the connection check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.roles import perm
from dashboard.core import readiness
from dashboard.flownally.connection import check_connection


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: this process serves requests. Nothing else is asked (no database, no cache,
    no Flownally), so it answers in a millisecond whatever is down; what is down is the
    readiness check's business. (gunicorn.conf.py also answers it from the master process,
    on HEALTH_PORT, where no request can hold it up.)"""
    return JsonResponse({"status": "ok"})


@login_not_required
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness, for a load balancer: 503 only when this instance cannot serve pages (its
    database is unreachable). A dead shared cache or an unanswering Flownally is reported
    but leaves it ready: every instance shares them, and pages then answer slower or
    from their last good copies, saying so."""
    report = readiness.check()
    return JsonResponse(report, status=200 if report["status"] != "unready" else 503)


@login_not_required
@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """The framework's ceiling for the benchmark: no database, no Flownally, no template."""
    return HttpResponse("pong", content_type="text/plain")


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def connection(request: HttpRequest) -> HttpResponse:
    report = check_connection()
    return render(
        request, "core/connection.html", {"report": report}, status=200 if report.ok else 502
    )


@login_not_required
def login(request: HttpRequest) -> HttpResponse:
    """Django's sign-in view; in demo mode (DEBUG) the page also names the demo accounts."""
    response = auth_views.LoginView.as_view(extra_context={"demo": settings.DEBUG})(request)
    assert isinstance(response, HttpResponse)
    return response
