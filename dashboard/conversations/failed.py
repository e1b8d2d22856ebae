"""The failed deliveries page (`/failed/`): outbound messages whose delivery failed lately,
newest failure first, as the open-queue index's walk found them (no request to Flownally
per view): who sent each, why it failed, and its resend (resend.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.roles import perm
from dashboard.accounts.senders import sent_here
from dashboard.conversations import resend
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.flownally.directory import SENDERS
from dashboard.openqueue import reading
from dashboard.openqueue.index import Index, interval
from dashboard.openqueue.metrics import FailedDelivery

PAGE = "conversations/failed.html"


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def failed_deliveries(request: HtmxHttpRequest) -> HttpResponse:
    queue = reading.current()
    context = {
        "queue": queue,
        "refresh_seconds": interval(),
        "scan": settings.WALLBOARD_FAILED_SCAN,
        "window_minutes": settings.WALLBOARD_FAILED_WINDOW_MINUTES,
        "can_resend": request.user.has_perm(perm("send_messages")),
        "rows": _rows(queue.index) if queue.index is not None else [],
    }
    template = PAGE + "#failed-table" if request.htmx else PAGE
    failed = queue.index is None and queue.failure is not None
    return render(request, template, context, status=502 if failed else 200)


def _rows(index: Index) -> list[dict]:
    # Newest failure first (the walk keeps them so; sorted again for an older index).
    failed = sorted(index.failed, key=lambda f: (f.failed_at, f.message_id), reverse=True)
    ours = [f.message_id for f in failed if f.sender_type == "user"]
    senders = sent_here(ours, index.users)
    offers = resend.offers(((f.message_id, f.kind) for f in failed), index.users)
    return [
        {
            "failed": f,
            "sender": senders.get(f.message_id) or _flownally_sender(f, index.users),
            "inbox": index.inboxes.get(f.inbox_id, f.inbox_id),
            "offer": offers[f.message_id],
        }
        for f in failed
    ]


def _flownally_sender(failed: FailedDelivery, users: dict[str, str]) -> str:
    """Who Flownally says sent it, for a message not sent through the dashboard."""
    if failed.sender_type == "user":
        return users.get(failed.sender_id or "", "Team")
    return SENDERS.get(failed.sender_type, failed.sender_type)
