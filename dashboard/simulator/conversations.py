"""Conversations: listing (filters, sorts, keyset pages), details, history, and the team's
actions on one (reassign, mark read, close).

Listing walks the sorted indexes in listing.py; a page token carries where the walk began
and the last key served, signed and tied to the query's filters.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import islice

from dashboard.simulator import render, validation
from dashboard.simulator.customers import catch_up
from dashboard.simulator.errors import detail, invalid
from dashboard.simulator.listing import DEFAULT_SORT, SORTS, STATUSES
from dashboard.simulator.state import TenantState
from dashboard.simulator.validation import query_value


def conversation_list(state: TenantState, query: dict[str, list[str]]) -> dict:
    size = validation.page_size(query_value(query, "pageSize"))
    sort = query_value(query, "sort")
    sort = DEFAULT_SORT if sort is None else sort
    if sort not in SORTS:
        raise invalid(detail("sort", "invalid", f"sort must be one of: {', '.join(SORTS)}."))
    requested = [value for raw in query.get("status", []) for value in raw.split(",")]
    unknown = sorted(set(requested) - set(STATUSES))
    if unknown:
        raise invalid(
            detail(
                "status",
                "invalid",
                f"Unknown status {unknown[0]!r}; use {', '.join(STATUSES)}.",
            )
        )
    statuses = tuple(s for s in STATUSES if s in requested) or STATUSES
    interacted = validation.boolean(query_value(query, "interacted"), "interacted")
    fingerprint = f"conversations|{sort}|{','.join(statuses)}|{interacted}"
    token = query_value(query, "pageToken")
    with state.lock:
        catch_up(state)
        if token:
            began, *after_key = state.tokens.read(fingerprint, token)
            after: tuple | None = tuple(after_key)
        else:
            began, after = state.clock.now_ms(), None
        keys = (
            k
            for k in state.index.walk(sort, statuses, after, began)
            if interacted is None or state.conversations[k[-1]].interacted == interacted
        )
        page = list(islice(keys, size + 1))  # one more than asked: is there a next page?
        items = [render.conversation(state.conversations[key[-1]]) for key in page[:size]]
        more = len(page) > size
        return {
            "conversations": items,
            "nextPageToken": state.tokens.issue(fingerprint, (began, *page[size - 1]))
            if more
            else None,
        }


def conversation_get(state: TenantState, conversation_id: str) -> dict:
    with state.lock:
        catch_up(state)
        return render.conversation_details(
            state.conversation(conversation_id), state.clock.now_ms()
        )


def conversation_messages_list(
    state: TenantState, conversation_id: str, query: dict[str, list[str]]
) -> dict:
    size = validation.page_size(query_value(query, "pageSize"))
    token = query_value(query, "pageToken")
    with state.lock:
        catch_up(state)
        conv = state.conversation(conversation_id)
        fingerprint = f"messages|{conv.id}"
        messages = state.messages_of(conv)
        end = len(messages)
        if token:
            end = bisect_left(messages, state.tokens.read(fingerprint, token), key=lambda m: m.key)
        page = messages[max(0, end - size) : end][::-1]  # newest first
        now = state.clock.now_ms()
        more = end - size > 0
        return {
            "messages": [state.render_message(msg, now) for msg in page],
            "nextPageToken": state.tokens.issue(fingerprint, page[-1].key) if more else None,
        }


def conversation_reassign(state: TenantState, conversation_id: str, body: dict) -> None:
    user_id = validation.required_id(body, "usr", "userId")
    with state.lock:
        catch_up(state)
        conv = state.conversation(conversation_id)
        user = state.users.get(user_id)
        if user is None or not user.active:
            raise invalid(
                detail("userId", "unknown", "userId is not an active member of the team.")
            )
        state.messages_of(conv)  # a seeded history is generated before the conversation changes
        conv.assignee_id = user.id
        if conv.status == "pending":
            conv.status = "open"
        state.index.update(conv, state.clock.now_ms())


def conversation_read(state: TenantState, conversation_id: str, body: dict) -> dict:
    message_id = validation.required_id(body, "msg", "lastMessageId")
    with state.lock:
        catch_up(state)
        conv = state.conversation(conversation_id)
        messages = state.messages_of(conv)
        target = next((msg for msg in messages if msg.id == message_id), None)
        if target is None:
            raise invalid(
                detail(
                    "lastMessageId",
                    "unknown",
                    "lastMessageId is not a message of this conversation.",
                )
            )
        conv.read_key = target.key
        conv.unread = sum(
            1 for msg in messages if msg.sender_type == "customer" and msg.key > target.key
        )
        return render.conversation(conv)


def conversation_close(state: TenantState, conversation_id: str) -> None:
    with state.lock:
        catch_up(state)
        conv = state.conversation(conversation_id)
        state.messages_of(conv)  # a seeded history is generated before the conversation changes
        conv.status = "closed"
        conv.waiting_ms = None
        state.index.update(conv, state.clock.now_ms())
