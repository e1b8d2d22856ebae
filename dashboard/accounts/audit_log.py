"""The audit log page, for supervisors."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.models import AuditEntry
from dashboard.accounts.roles import perm


@require_GET
@permission_required(perm("view_audit"), raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.all()
    conversation = request.GET.get("conversation", "").strip()
    if conversation:
        entries = entries.filter(conversation_id=conversation)
    action = request.GET.get("action", "")
    if action in AuditEntry.Action.values:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {
            "page": page,
            "conversation": conversation,
            "action": action,
            "actions": AuditEntry.Action.choices,
        },
    )
