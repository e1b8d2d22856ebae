"""The conversation list (`/`): Flownally's own list, or, for the filters it lacks
(assignee, channel, inbox, waiting, search), the open-queue index."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.accounts import members
from dashboard.accounts.roles import perm
from dashboard.bulk import toolbar
from dashboard.conversations.filters import (
    INTERACTED,
    ME,
    SIZES,
    SORTS,
    STATUSES,
    ListState,
)
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.core.upstream import Problem, describe
from dashboard.flownally import client, directory
from dashboard.flownally.errors import FlownallyError, ValidationFailed
from dashboard.flownally.models import Conversation, Page
from dashboard.openqueue import reading, search

CLOSED_AND_INDEX = (
    "Flownally cannot filter closed conversations by assignee, channel, inbox, wait or "
    "search: these filters cover open and pending conversations only."
)


Listed = tuple[Page[Conversation], ListState, str]


def _list_page(state: ListState) -> Listed:
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
    me = members.flownally_user_id(request.user)
    context: dict = {"problem": None, "page": None, "notices": list(state.notices), "me": me}
    if state.from_index:
        # Pages never wait for a walk, but for the very first one.
        queue = reading.current()
        _from_index(state, queue, me, context)
    else:
        # Those who may act in bulk keep the index walked ("Select all N matching" needs
        # it) without waiting for it; for everyone else it is a bonus when it is there.
        may_bulk = toolbar.allowed(request.user)["any"]
        # Reading the index and counting its matches is work of our own (a new index
        # costs tens of ms in each process): done while Flownally's page is on its way.
        listed, inboxes, users, (queue, found) = client.fan_out(
            lambda: _list_or_error(state),
            directory.inbox_names,
            directory.user_names,
            lambda: _index_answer(state, me, may_bulk),
        )
        if not _from_flownally(state, listed, inboxes, users, context):
            users, inboxes = {}, {}
        if queue.index is not None:
            users, inboxes = queue.index.users, queue.index.inboxes
        context["menus"] = _menus(users, inboxes, found, state, me)
        context["found"] = found
    _bulk(request, state, queue, me, context)
    context.update(
        state=context.get("state", state),
        queue=queue,
        statuses=STATUSES,
        sorts=SORTS,
        interacted_choices=INTERACTED,
        sizes=SIZES,
        waiting_values=search.WAITING_OPTIONS,
        refresh_seconds=settings.LIST_REFRESH_SECONDS,
    )
    template = "conversations/list.html"
    if request.htmx and request.htmx.target == "conversation-results":
        template += "#results"
    status = 200 if context["problem"] is None else 502
    return render(request, template, context, status=status)


def _bulk(
    request: HtmxHttpRequest,
    state: ListState,
    queue: reading.Reading,
    me: str | None,
    context: dict,
) -> None:
    """Checkboxes and the bulk toolbar, for those who may act; "Select all N matching"
    when the open-queue index can say which match (closed ones are not in it)."""
    context["bulk"] = toolbar.context(request.user, queue.index)
    found = context.get("found")
    if found is not None and not (state.asks_closed and not state.criteria(me).statuses):
        count = len(found.matches)
        context.update(
            match_count=count,
            match_query=state.restart().query(),
            match_label=f"Select all {count} matching this filter",
        )


def _list_or_error(state: ListState) -> Listed | FlownallyError:
    """`_list_page`'s answer, or the FlownallyError it raised (a fan-out raises the first
    error and drops every other answer: the index's is wanted all the same)."""
    try:
        return _list_page(state)
    except FlownallyError as error:
        return error


def _index_answer(
    state: ListState, me: str | None, may_bulk: bool
) -> tuple[reading.Reading, search.Found | None]:
    queue = reading.current(wait=0) if may_bulk else reading.peek()
    if queue.index is None:
        return queue, None
    return queue, search.find(queue.index, state.criteria(me), state.sort)


def _from_flownally(
    state: ListState,
    listed: Listed | FlownallyError,
    inboxes: dict[str, str],
    users: dict[str, str],
    context: dict,
) -> bool:
    """Flownally's own list page (or why not) into `context`; False when there is none."""
    if isinstance(listed, FlownallyError):
        context["problem"] = describe(listed)
        context["previous_state"] = state.previous_page()
        return False
    page, state, notice = listed
    context.update(
        page=page,
        state=state,
        rows=_rows(page.items, inboxes, users),
        next_state=state.next_page(page.next_page_token) if page.next_page_token else None,
        previous_state=state.previous_page(),
    )
    if notice:
        context["notices"].append(notice)
    return True


def _from_index(state: ListState, queue: reading.Reading, me: str | None, context: dict) -> None:
    context["from_index"] = True
    if state.asks_closed:
        if not state.criteria(me).statuses:  # closed alone: nothing honest to show
            context.update(
                closed_only=True,
                closed_message=CLOSED_AND_INDEX,
                open_instead=state.with_only(status=()),
                closed_instead=ListState(status=("closed",), sort=state.sort, size=state.size),
            )
            return
        context["notices"].append(CLOSED_AND_INDEX)
    if ME in state.assignee and not me:
        context["notices"].append(
            "Your account is not linked to a Flownally team member, so “me” matches nobody: "
            "a supervisor can link it on the People page."
        )
    if queue.index is None:
        failure = queue.failure
        context["problem"] = (
            failure.problem
            if failure
            else Problem(
                "The open queue is not read yet",
                "The dashboard is still reading every open conversation from Flownally.",
            )
        )
        return
    found = search.find(queue.index, state.criteria(me), state.sort)
    start = (state.page - 1) * state.size
    shown = found.matches[start : start + state.size]
    context.update(
        found=found,
        rows=_rows(shown, queue.index.inboxes, queue.index.users),
        menus=_menus(queue.index.users, queue.index.inboxes, found, state, me),
        next_state=state.index_page(state.page + 1)
        if start + state.size < len(found.matches)
        else None,
        previous_state=state.index_page(state.page - 1) if state.page > 1 else None,
        first_shown=start + 1,
        last_shown=start + len(shown),
    )


def _rows(
    conversations: Sequence[Conversation], inboxes: dict[str, str], users: dict[str, str]
) -> list[dict]:
    return [
        {
            "conv": conv,
            "inbox": inboxes.get(conv.inbox_id, conv.inbox_id),
            "assignee": users.get(conv.assignee_id, conv.assignee_id) if conv.assignee_id else "",
            "sender": directory.SENDERS.get(conv.last_message_sender or "", "Someone"),
        }
        for conv in conversations
    ]


def _menus(
    users: dict[str, str],
    inboxes: dict[str, str],
    found: search.Found | None,
    state: ListState,
    me: str | None,
) -> dict:
    """Each option of the index's filters, chosen or not, with its count when the index
    is at hand (`found`)."""

    def option(name: str, value: str, label: str, counts: dict | None) -> dict:
        count = None if counts is None else counts.get(value, 0)
        return {"value": value, "label": label, "count": count, "on": value in getattr(state, name)}

    assignees = found.assignees if found else None
    people = sorted(users.items(), key=lambda item: item[1].lower())
    menu = [option("assignee", search.UNASSIGNED, "Unassigned", assignees)]
    if me:
        mine = {ME: assignees.get(me, 0)} if assignees is not None else None
        menu.append(option("assignee", ME, f"Me ({users.get(me, me)})", mine))
    menu += [option("assignee", uid, name, assignees) for uid, name in people]
    return {
        "assignee": menu,
        "channel": [
            option("channel", c, c, found.channels if found else None) for c in search.CHANNELS
        ],
        "inbox": [
            option("inbox", iid, name, found.inboxes if found else None)
            for iid, name in sorted(inboxes.items(), key=lambda item: item[1].lower())
        ],
        "waiting": [
            {
                "value": m,
                "count": found.waiting.get(m, 0) if found else None,
                "on": state.waiting == m,
            }
            for m in search.WAITING_OPTIONS
        ],
    }
