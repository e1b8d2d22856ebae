"""The conversation page: header, the newest page of its timeline, and the action panel
(the live part is timeline.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.cache import cache as shared
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from dashboard.accounts.members import flownally_user_id
from dashboard.accounts.roles import perm
from dashboard.conversations import presence
from dashboard.conversations.panel import panel_forms
from dashboard.conversations.timeline import (
    header_context,
    here,
    latest,
    remember,
    timeline_context,
)
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.core.upstream import describe
from dashboard.flownally import cache, client, directory
from dashboard.flownally.errors import FlownallyError, NotFound, ValidationFailed


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def conversation_detail(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    """Header (contact, channel, status, assignee, sendability), messages and actions."""
    return render_detail(request, conversation_id)


def render_detail(
    request: HtmxHttpRequest, conversation_id: str, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    """The conversation page; `bound` forms (with their errors) replace fresh ones."""
    before = request.GET.get("before", "")[:1000]
    try:
        _, generations = latest(client.valid_id("cnv", conversation_id))
    except NotFound:
        raise Http404("No such conversation") from None
    try:
        details, messages, inboxes, users = client.fan_out(
            lambda: client.conversation_get(conversation_id, allow_stale=True),
            lambda: client.conversation_messages(
                conversation_id, page_token=before or None, allow_stale=True
            ),
            directory.inbox_names,
            directory.user_names,
        )
    except NotFound:
        raise Http404("No such conversation") from None
    except ValidationFailed as error:
        if not (before and error.for_field("pageToken")):
            raise
        return redirect("conversation", conversation_id=conversation_id)
    except FlownallyError as error:
        context = {"problem": describe(error), "conversation_id": conversation_id}
        return render(request, "conversations/detail.html", context, status=502)
    context = timeline_context(
        details,
        messages,
        users,
        live=not before,
        can_react=request.user.has_perm(perm("react")),
        can_resend=request.user.has_perm(perm("send_messages")),
    )
    context.update(header_context(details, inboxes, users), problem=None, before=before)
    if not before:
        remember(conversation_id, generations, context, messages)
    if context["live"]:
        roster = shared.get(presence.key(conversation_id))
        page = cache.now()  # this page's own stamp: its beacon removes no newer page
        context.update(presence.bar(here(request, conversation_id, roster, page)))
        context["presence_page"] = repr(page)
    newest = messages.items[0].id if messages.items and not before else None
    context.update(panel_forms(details, newest, users, bound, me=flownally_user_id(request.user)))
    return render(request, "conversations/detail.html", context, status=status)
