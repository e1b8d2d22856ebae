"""The conversation list (`/`) and, per conversation, its page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from dashboard.accounts.roles import perm
from dashboard.conversations.filters import INTERACTED, SIZES, SORTS, STATUSES, ListState
from dashboard.core.upstream import describe
from dashboard.flownally import client
from dashboard.flownally.errors import FlownallyError, NotFound, ValidationFailed

SENDERS = {"customer": "Customer", "user": "Team", "bot": "Bot"}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _names(list_all) -> dict[str, str]:
    """ID -> name for inboxes or users; empty when Flownally cannot say (IDs show instead)."""
    try:
        return {item.id: item.name for item in list_all()}
    except FlownallyError:
        return {}


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
            lambda: _names(client.iter_inboxes),
            lambda: _names(client.iter_users),
        )
    except FlownallyError as error:
        context["problem"] = describe(error)
        inboxes = users = {}
    else:
        context["page"] = page
        context["rows"] = [
            {
                "conv": conv,
                "inbox": inboxes.get(conv.inbox_id, conv.inbox_id),
                "assignee": users.get(conv.assignee_id, conv.assignee_id)
                if conv.assignee_id
                else "",
                "sender": SENDERS.get(conv.last_message_sender or "", "Someone"),
            }
            for conv in page.items
        ]
        if notice:
            context["notices"].append(notice)
    context.update(
        state=state,
        inboxes=inboxes,
        users=users,
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


def _sender(message, users: dict[str, str]) -> str:
    if message.sender_type == "user":
        return users.get(message.sender_id or "", "Team")
    return SENDERS.get(message.sender_type, message.sender_type)


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def conversation_detail(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    """Header (contact, channel, status, assignee, sendability) and the newest messages."""
    before = request.GET.get("before", "")[:1000]
    try:
        details, messages, inboxes, users = client.fan_out(
            lambda: client.conversation_get(conversation_id),
            lambda: client.conversation_messages(conversation_id, page_token=before or None),
            lambda: _names(client.iter_inboxes),
            lambda: _names(client.iter_users),
        )
    except NotFound:
        raise Http404("No such conversation") from None
    except ValidationFailed as error:
        if not (before and error.for_field("pageToken")):
            raise
        return redirect("conversation", conversation_id=conversation_id)
    except FlownallyError as error:
        return render(
            request,
            "conversations/detail.html",
            {"problem": describe(error), "conversation_id": conversation_id},
            status=502,
        )
    context = {
        "conv": details,
        # Oldest first, as a chat reads.
        "messages": [{"message": m, "sender": _sender(m, users)} for m in reversed(messages.items)],
        "earlier": messages.next_page_token,
        "inbox": inboxes.get(details.inbox_id, details.inbox_id),
        "assignee": users.get(details.assignee_id, details.assignee_id)
        if details.assignee_id
        else "",
        "problem": None,
    }
    return render(request, "conversations/detail.html", context)
