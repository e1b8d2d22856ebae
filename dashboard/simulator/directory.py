"""The tenant's inboxes and team members, listed in keyset pages ordered by ID.

Both lists are short and rarely change, so a page is a bisect on the sorted IDs; the page
token is the last ID served, signed like the conversation list's.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

from dashboard.simulator import render, validation
from dashboard.simulator.models import Inbox, User
from dashboard.simulator.state import TenantState
from dashboard.simulator.validation import query_value


def inbox_list(state: TenantState, query: dict[str, list[str]]) -> dict:
    with state.lock:
        return _paged(
            state,
            sorted(state.inboxes.values(), key=lambda i: i.id),
            query,
            "inboxes",
            render.inbox,
        )


def user_list(state: TenantState, query: dict[str, list[str]]) -> dict:
    with state.lock:
        return _paged(
            state, sorted(state.users.values(), key=lambda u: u.id), query, "users", render.user
        )


def _paged[T: (Inbox, User)](
    state: TenantState,
    items: Sequence[T],
    query: dict[str, list[str]],
    name: str,
    render_item: Callable[[T], dict],
) -> dict:
    size = validation.page_size(query_value(query, "pageSize"))
    token = query_value(query, "pageToken")
    start = 0
    if token:
        (after,) = state.tokens.read(name, token)
        start = bisect_left([item.id for item in items], after)
        start += start < len(items) and items[start].id == after
    page = items[start : start + size]
    more = start + size < len(items)
    return {
        name: [render_item(item) for item in page],
        "nextPageToken": state.tokens.issue(name, (page[-1].id,)) if more else None,
    }
