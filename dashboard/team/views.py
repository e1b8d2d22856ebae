"""The team page (`/team/`): each active team member's share of the open queue, live from
the open-queue index, so uneven load is seen at a glance; every count leads to the list
filtered that way."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from dashboard.accounts.roles import perm
from dashboard.bulk import toolbar
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.openqueue import reading
from dashboard.openqueue.index import Index, interval
from dashboard.openqueue.metrics import Load, team_load
from dashboard.openqueue.search import UNASSIGNED

PAGE = "team/team.html"


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def team(request: HtmxHttpRequest) -> HttpResponse:
    queue = reading.current()
    context = {"queue": queue, "refresh_seconds": interval(), "rows": []}
    if queue.index is not None:
        context |= _rows(queue.index)
        # A row's checkbox selects that member's conversations; "all" is the whole queue.
        count = len(queue.index.conversations)
        context |= {
            "bulk": toolbar.context(request.user, queue.index),
            "match_count": count,
            "match_query": "",
            "match_label": f"Select all {count} open conversations",
        }
    template = PAGE + "#team-table" if request.htmx else PAGE
    failed = queue.index is None and queue.failure is not None
    return render(request, template, context, status=502 if failed else 200)


def _rows(index: Index) -> dict:
    loads = team_load(index.conversations, datetime.fromtimestamp(index.started_at, UTC))
    members = [
        (uid, name)
        for uid, name in index.users.items()
        if uid in index.active_users or uid in loads
    ]
    members.sort(key=lambda member: (-loads.get(member[0], Load()).open, member[1].lower()))
    rows = [_row(uid, name, loads.get(uid, Load()), index) for uid, name in members]
    unassigned = _row(UNASSIGNED, "Unassigned", loads.get("", Load()), index)
    most = max([row["load"].open for row in rows] + [unassigned["load"].open, 1])
    return {"rows": rows, "unassigned": unassigned, "most": most}


def _row(assignee: str, name: str, load: Load, index: Index) -> dict:
    listed = reverse("conversation_list")
    longest = load.longest
    return {
        "assignee": assignee,
        "name": name,
        "load": load,
        "open_url": f"{listed}?{urlencode({'assignee': assignee})}",
        "waiting_url": f"{listed}?{urlencode({'assignee': assignee, 'waiting': 0})}",
        "longest": longest,
        "longest_inbox": index.inboxes.get(longest.inbox_id, longest.inbox_id) if longest else "",
    }
