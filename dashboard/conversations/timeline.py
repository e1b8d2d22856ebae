"""The live timeline of a conversation page, and its poll.

The timeline polls while anything can still change (a message not yet in a final state, or
the conversation not closed). Each poll carries a fingerprint of what the page shows (the
header rides along, swapped out of band); when Flownally's answer has the same fingerprint
the poll gets 204 and htmx swaps nothing, and when nothing can change any more it gets 286,
which stops htmx polling.

While Flownally fails, the page and its poll show the last good copies with a notice of
their age; staleness is part of the fingerprint (with the age, so the notice keeps
counting), and the first poll that reads fresh data again swaps the notice out with the
timeline.

The latest fingerprint of each conversation is kept in the cache for as long as the reads
it came from stay fresh, so a poll that already shows it is answered from that one entry
(no other read, no rendering): a hundred viewers of one conversation cost little more
than one.

A reply sent through the dashboard is labelled with the account that sent it (the audit
log's record, `accounts.senders`), not with the token's owner Flownally names. Those labels
are part of the fingerprint: a poll that read the messages just before the sender's audit
entry was written is corrected by the next poll that reads again.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling

from dashboard.accounts.roles import perm
from dashboard.accounts.senders import sent_here
from dashboard.conversations.forms import QUICK_REACTIONS, new_key
from dashboard.conversations.media import INLINE
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.flownally import cache, client, directory
from dashboard.flownally.errors import FlownallyError, NotFound
from dashboard.flownally.models import ConversationDetails, Message, Page

NO_REACTIONS = ("sms", "email")  # channels without reactions (Flownally refuses them)


def fingerprint(
    details: ConversationDetails, messages: Page[Message], senders: dict[str, str]
) -> str:
    """Changes whenever anything the timeline or the header shows changes (`senders`: the
    dashboard's own sender labels, by message ID), the stale notice and its age included."""
    age = stale_age(details, messages)
    parts = [
        "" if age is None else f"stale:{age:.0f}",
        details.status or "",
        str(details.last_message_at),
        details.assignee_id or "",
        str(details.unread_count),
        str(details.waiting_since),
        details.sendability.window,
    ]
    for m in messages.items:
        parts.append(
            f"{m.id}:{m.delivery_status}:{m.updated_at}:{','.join(r.emoji for r in m.reactions)}"
            f":{senders.get(m.id, '')}"
        )
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def stale_age(details: ConversationDetails, messages: Page[Message]) -> float | None:
    """How old the oldest stale copy shown is; None when both reads are fresh."""
    ages = [found.age for found in (details, messages) if found.stale]
    return max(ages) if ages else None


def settled(details: ConversationDetails, messages: Page[Message]) -> bool:
    """Nothing on the timeline can change any more."""
    return details.status == "closed" and not any(m.in_flight for m in messages.items)


def latest(conversation_id: str) -> tuple[object, tuple]:
    """The latest fingerprint kept for this conversation (tagged like the reads behind it:
    an action here moves the tag on, and it is gone), and the tags' generations."""
    return cache.get_current(*_current(conversation_id))


def latest_keys(conversation_id: str) -> list[str]:
    """The keys `latest` reads, to read them with others (quiet_poll)."""
    return cache.current_keys(*_current(conversation_id))


def _current(conversation_id: str) -> tuple[str, tuple[str]]:
    return f"timeline:{conversation_id}", (f"cnv:{conversation_id}",)


def remember(
    conversation_id: str, generations: tuple, context: dict, messages: Page[Message]
) -> None:
    """Keep what the timeline shows now until the reads behind it expire."""
    ttl = min(settings.FLOWNALLY_CACHE_TTL_CONVERSATION, settings.FLOWNALLY_CACHE_TTL_MESSAGES)
    fresh_for = ttl - messages.age
    if fresh_for > 0 and context["stale_age"] is None:
        known = (context["fingerprint"], not context["live"], cache.now() + fresh_for)
        cache.set_current(f"timeline:{conversation_id}", generations, known, fresh_for)


def already_shown(known: object, shown: str) -> HttpResponse | None:
    """204 (or 286) when the poll's fingerprint is the latest one known, else None."""
    if not (shown and isinstance(known, tuple) and known[0] == shown and cache.now() < known[2]):
        return None
    return HttpResponseStopPolling() if known[1] else HttpResponse(status=204)


def timeline_context(
    details: ConversationDetails,
    messages: Page[Message],
    users: dict[str, str],
    live: bool,
    can_react: bool,
) -> dict:
    can_react = can_react and details.channel not in NO_REACTIONS
    senders = sent_here([m.id for m in messages.items if m.sender_type == "user"], users)
    age = stale_age(details, messages)
    return {
        "conv": details,
        # Oldest first, as a chat reads. ("messages" would shadow Django's messages framework.)
        "timeline": [
            {
                "message": m,
                "sender": senders.get(m.id) or directory.sender(m, users),
                # What Flownally says instead, where the dashboard knows better.
                "flownally_sender": directory.sender(m, users) if m.id in senders else "",
                "reactions": _reaction_bar(m) if can_react else (),
            }
            for m in reversed(messages.items)
        ],
        "earlier": messages.next_page_token,
        "fingerprint": fingerprint(details, messages, senders),
        "stale_age": age,
        # A stale page keeps polling, even of a settled conversation, to clear its notice.
        "live": live and (age is not None or not settled(details, messages)),
        "poll_seconds": settings.TIMELINE_POLL_SECONDS,
        "inline_types": INLINE,
    }


def _reaction_bar(message: Message) -> list[dict]:
    """One button per quick reaction: pressing ours again removes it. Each has its own key."""
    ours = {r.emoji for r in message.reactions if r.sender_type == "user"}
    return [{"emoji": e, "ours": e in ours, "key": new_key()} for e in QUICK_REACTIONS]


def header_context(
    details: ConversationDetails, inboxes: dict[str, str], users: dict[str, str]
) -> dict:
    return {
        "inbox": inboxes.get(details.inbox_id, details.inbox_id),
        "assignee": users.get(details.assignee_id, details.assignee_id)
        if details.assignee_id
        else "",
    }


@require_GET
@permission_required(perm("view_conversations"), raise_exception=True)
def conversation_timeline(request: HtmxHttpRequest, conversation_id: str) -> HttpResponse:
    """The timeline's poll: 204 when nothing changed, 286 when nothing can change."""
    try:
        known, generations = latest(client.valid_id("cnv", conversation_id))
    except NotFound:
        raise Http404("No such conversation") from None
    if answer := already_shown(known, request.GET.get("v", "")):
        return answer
    try:
        details, messages, inboxes, users = client.fan_out(
            lambda: client.conversation_get(conversation_id, allow_stale=True),
            lambda: client.conversation_messages(conversation_id, allow_stale=True),
            directory.inbox_names,
            directory.user_names,
        )
    except NotFound:
        raise Http404("No such conversation") from None
    except FlownallyError:
        return HttpResponse(status=204)  # no copy at all: keep what is shown, try again
    context = timeline_context(
        details, messages, users, live=True, can_react=request.user.has_perm(perm("react"))
    )
    remember(conversation_id, generations, context, messages)
    if context["fingerprint"] == request.GET.get("v"):
        return HttpResponse(status=204) if context["live"] else HttpResponseStopPolling()
    context.update(header_context(details, inboxes, users))
    return render(request, "conversations/_poll.html", context)
