"""The conversation list (`/`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts.roles import perm
from dashboard.conversations.filters import INTERACTED, SIZES, SORTS, STATUSES, ListState
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.core.upstream import describe
from dashboard.flownally import client, directory
from dashboard.flownally.errors import FlownallyError, ValidationFailed


def _list_page(state: ListState):
    """(page, state, notice): a cursor Flownally no longer accepts restarts at page one."""
    try:
        return client.conversation_list(**state.api_params(), allow_stale=True), state, ""
    except ValidationFailed as error:
        if not (state.cursor and error.for_field("pageToken")):
            raise
    restarted = state.restart()
    notice = "That page is no longer available; showing the first page."
    return client.conversation_list(**restarted.api_params(), allow_stale=True), restarted, notice


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def conversation_list(request: HtmxHttpRequest) -> HttpResponse:
    state = ListState.from_query(request.GET)
    context: dict = {"problem": None, "page": None, "notices": list(state.notices)}
    try:
        (page, state, notice), inboxes, users = client.fan_out(
            lambda: _list_page(state),
            directory.inbox_names,
            directory.user_names,
        )
    except FlownallyError as error:
        context["problem"] = describe(error)
    else:
        context["page"] = page
        context["rows"] = [
            {
                "conv": conv,
                "inbox": inboxes.get(conv.inbox_id, conv.inbox_id),
                "assignee": users.get(conv.assignee_id, conv.assignee_id)
                if conv.assignee_id
                else "",
                "sender": directory.SENDERS.get(conv.last_message_sender or "", "Someone"),
            }
            for conv in page.items
        ]
        if notice:
            context["notices"].append(notice)
    context.update(
        state=state,
        next_state=state.next_page(page.next_page_token)
        if context["page"] and page.next_page_token
        else None,
        previous_state=state.previous_page(),
        statuses=STATUSES,
        sorts=SORTS,
        interacted_choices=INTERACTED,
        sizes=SIZES,
        refresh_seconds=settings.LIST_REFRESH_SECONDS,
    )
    template = "conversations/list.html"
    if request.htmx and request.htmx.target == "conversation-results":
        template += "#results"
    status = 200 if context["problem"] is None else 502
    return render(request, template, context, status=status)
