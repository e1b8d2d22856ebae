"""Views that are not about one area of the product: health and the connection check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import connection as db_connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.roles import perm
from dashboard.flownally.connection import check_connection


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the container: the process serves and its database answers.

    Flownally being down does not make us unhealthy; the pages say so themselves.
    """
    try:
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


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
