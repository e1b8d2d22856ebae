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

Fresh means within the reads' short TTLs, or, while the change feed is healthy (news.py:
one read of the most recently active conversations for the whole cluster moves on the tag
of each that changed), up to TIMELINE_TRUSTED_SECONDS: a poll then asks Flownally nothing
unless the feed saw news. The poll reads the feed's heartbeat in the same round trip as
the fingerprint. What the feed cannot see (a delivery change; a status change far down the
list; a reaction) is covered two ways: while an outbound message sent in the last
TIMELINE_FOLLOW_SECONDS is in flight, its messages are read again every half fast poll and
the page polls every TIMELINE_FAST_POLL_SECONDS; anything else shows within the cap.

A reply sent through the dashboard is labelled with the account that sent it (the audit
log's record, `accounts.senders`), not with the token's owner Flownally names. Those labels
are part of the fingerprint: a poll that read the messages just before the sender's audit
entry was written is corrected by the next poll that reads again.

Each poll also says who is there (presence.py): it reads the conversation's roster in the
same round trip, and when the others there are not those the page's bar names (`p`), it
answers with the bar, swapped out of band, even when the timeline has no news.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.cache import cache as shared
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling, reswap

from dashboard.accounts.names import who
from dashboard.accounts.roles import perm
from dashboard.accounts.senders import sent_here
from dashboard.conversations import news, presence, resend
from dashboard.conversations.forms import QUICK_REACTIONS, new_key
from dashboard.conversations.media import INLINE
from dashboard.core.htmx import HtmxHttpRequest
from dashboard.flownally import cache, client, directory, sent
from dashboard.flownally.errors import FlownallyError, NotFound
from dashboard.flownally.models import ConversationDetails, Message, Page

NO_REACTIONS = ("sms", "email")  # channels without reactions (Flownally refuses them)
_NEWEST_FOLLOWED = 5  # in-flight replies of ours looked up by our clock; older ones are capped


def fingerprint(
    details: ConversationDetails,
    messages: Page[Message],
    senders: dict[str, str],
    fast: bool = False,
    resent: tuple[str, ...] = (),
) -> str:
    """Changes whenever anything the timeline or the header shows changes (`senders`: the
    dashboard's own sender labels, by message ID), the stale notice and its age included,
    and the pace of its polls (`fast`, see `following`), and which failed messages were
    resent from here (`resent`)."""
    age = stale_age(details, messages)
    parts = [
        "" if age is None else f"stale:{age:.0f}",
        "fast" if fast else "",
        details.status or "",
        str(details.last_message_at),
        details.assignee_id or "",
        str(details.unread_count),
        str(details.waiting_since),
        details.sendability.window,
        ",".join(resent),
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


def following(messages: Page[Message]) -> bool:
    """An outbound message sent lately is still in flight: its delivery is followed (its
    messages read again every `in_flight_ttl`, the page polling fast). Older ones are not:
    many stay `delivered` for ever; the feed's cap catches their last change."""
    since = cache.now() - settings.TIMELINE_FOLLOW_SECONDS
    flying = [m for m in messages.items if m.in_flight and m.sender_type != "customer"]
    if any(m.created_at.timestamp() >= since for m in flying):
        return True
    # By our clock too, for replies sent from here: Flownally's may be far from ours.
    return sent.lately([m.id for m in flying[:_NEWEST_FOLLOWED]])


def in_flight_ttl() -> float:
    """Half a fast poll: every fast poll of a lone viewer reads Flownally again."""
    return min(settings.FLOWNALLY_CACHE_TTL_MESSAGES, settings.TIMELINE_FAST_POLL_SECONDS / 2)


class Shown(NamedTuple):
    """What a conversation's timeline shows now, kept for the polls that already show it."""

    fingerprint: str
    settled: bool  # nothing can change any more: 286
    fresh_until: float  # the reads behind it are within their TTLs until then
    trusted_until: float  # ... and may be trusted until then while the feed is healthy
    fetched_at: float  # when the older of those reads was fetched
    following: bool  # an outbound message is followed: its messages are read often


def latest(conversation_id: str) -> tuple[object, tuple]:
    """The latest `Shown` kept for this conversation (tagged like the reads behind it: an
    action here, or news in the feed, moves the tag on, and it is gone), and the tags'
    generations."""
    return cache.get_current(*_current(conversation_id))


def latest_keys(conversation_id: str) -> list[str]:
    """The keys a poll reads in one round trip (quiet_poll adds its own): those of
    `latest`, and last the feed's heartbeat."""
    return [*cache.current_keys(*_current(conversation_id)), news.HEARTBEAT_KEY]


def answer_from(found: dict, keys: list[str], shown: str) -> HttpResponse | None:
    """`already_shown`'s answer from what reading `latest_keys` found."""
    known, _ = cache.current_from(found, keys[:-1])
    return already_shown(known, shown, found.get(keys[-1]))


def _current(conversation_id: str) -> tuple[str, tuple[str]]:
    return f"timeline:{conversation_id}", (f"cnv:{conversation_id}",)


def remember(
    conversation_id: str, generations: tuple, context: dict, messages: Page[Message]
) -> None:
    """Keep what the timeline shows now while the reads behind it may be trusted."""
    if context["live"]:
        news.watching()
    if context["stale_age"] is not None:
        return
    details: ConversationDetails = context["conv"]
    follow = context["following"]
    now = cache.now()
    messages_ttl = in_flight_ttl() if follow else settings.FLOWNALLY_CACHE_TTL_MESSAGES
    fresh_until = now + min(
        settings.FLOWNALLY_CACHE_TTL_CONVERSATION - details.age, messages_ttl - messages.age
    )
    fetched_at = now - max(details.age, messages.age)
    trusted_until = fresh_until
    if not follow and news.interval() > 0:
        trusted_until = max(fresh_until, fetched_at + settings.TIMELINE_TRUSTED_SECONDS)
    if trusted_until > now:
        known = Shown(
            context["fingerprint"], not context["live"], fresh_until, trusted_until,
            fetched_at, follow,
        )  # fmt: skip
        cache.set_current(f"timeline:{conversation_id}", generations, known, trusted_until - now)


def already_shown(known: object, shown: str, heartbeat: object = None) -> HttpResponse | None:
    """204 (or 286) when the poll's fingerprint is the latest one known and its reads are
    fresh, or trusted by the feed (`heartbeat`: the value at news.HEARTBEAT_KEY); else None."""
    if not (shown and isinstance(known, Shown) and known.fingerprint == shown):
        return None
    now = cache.now()
    if now >= known.fresh_until:
        since = news.trusted_since(heartbeat, now)
        if since is None or known.fetched_at < since or now >= known.trusted_until:
            return None
    if known.settled:
        return HttpResponseStopPolling()
    news.watching()
    return HttpResponse(status=204)


def _latest_for_poll(conversation_id: str) -> tuple[object, tuple, object, object]:
    """`latest`, the feed's heartbeat and the presence roster, in one round trip."""
    keys = latest_keys(conversation_id)
    found = shared.get_many([*keys, presence.key(conversation_id)])
    known, generations = cache.current_from(found, keys[:-1])
    return known, generations, found.get(keys[-1]), found.get(presence.key(conversation_id))


def here(
    request: HtmxHttpRequest, conversation_id: str, roster: object, page: float | None = None
) -> list[str]:
    """Count this viewer there (a write when due, or for a `page` just loaded) and name the
    others there now."""
    me = request.user.pk
    if page is not None or presence.due(roster, me):
        name = who(request.user)  # type: ignore[arg-type]
        presence.seen(conversation_id, roster, me, name, page)
    return presence.others(roster, me)


def _bar_only(request: HtmxHttpRequest, names: list[str]) -> HttpResponse:
    """The presence bar alone, out of band: the timeline stays as it is."""
    context = {**presence.bar(names), "oob": True}
    return reswap(render(request, "conversations/detail.html#presence", context), "none")


def timeline_context(
    details: ConversationDetails,
    messages: Page[Message],
    users: dict[str, str],
    live: bool,
    can_react: bool,
    can_resend: bool = False,
) -> dict:
    can_react = can_react and details.channel not in NO_REACTIONS
    senders = sent_here([m.id for m in messages.items if m.sender_type == "user"], users)
    offers = resend.offers(
        (
            (m.id, m.content.type)
            for m in messages.items
            if m.delivery_status == "failed" and m.sender_type != "customer"
        ),
        users,
        details.sendability.allowed_content_types,
    )
    resent = tuple(sorted(i for i, offer in offers.items() if offer["resent"]))
    age = stale_age(details, messages)
    fast = following(messages)
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
                "resend": offers.get(m.id),
            }
            for m in reversed(messages.items)
        ],
        "earlier": messages.next_page_token,
        "fingerprint": fingerprint(details, messages, senders, fast, resent),
        "can_resend": can_resend,
        "stale_age": age,
        # A stale page keeps polling, even of a settled conversation, to clear its notice.
        "live": live and (age is not None or not settled(details, messages)),
        "following": fast,
        "poll_seconds": settings.TIMELINE_FAST_POLL_SECONDS
        if fast
        else settings.TIMELINE_POLL_SECONDS,
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
        conversation_id = client.valid_id("cnv", conversation_id)
    except NotFound:
        raise Http404("No such conversation") from None
    known, generations, heartbeat, roster = _latest_for_poll(conversation_id)
    names = here(request, conversation_id, roster)
    bar_shown = presence.shows_latest(roster, request.user.pk, request.GET.get("p"))
    if answer := already_shown(known, request.GET.get("v", ""), heartbeat):
        return answer if bar_shown or answer.status_code != 204 else _bar_only(request, names)
    news.watching()
    now = cache.now()
    since = news.trusted_since(heartbeat, now)
    follow = isinstance(known, Shown) and known.following
    conversation_ttl = news.lifetime(settings.FLOWNALLY_CACHE_TTL_CONVERSATION, since, now)
    messages_ttl = (
        in_flight_ttl()
        if follow
        else news.lifetime(settings.FLOWNALLY_CACHE_TTL_MESSAGES, since, now)
    )
    try:
        details, messages, inboxes, users = client.fan_out(
            lambda: client.conversation_get(
                conversation_id, allow_stale=True, ttl=conversation_ttl
            ),
            lambda: client.conversation_messages(
                conversation_id, allow_stale=True, ttl=messages_ttl
            ),
            directory.inbox_names,
            directory.user_names,
        )
        if not follow and following(messages) and messages.age >= max(in_flight_ttl(), 1e-9):
            # A message just found in flight in a copy kept long: follow it from now on.
            messages = client.conversation_messages(
                conversation_id, allow_stale=True, ttl=in_flight_ttl()
            )
    except NotFound:
        raise Http404("No such conversation") from None
    except FlownallyError:
        return HttpResponse(status=204)  # no copy at all: keep what is shown, try again
    context = timeline_context(
        details,
        messages,
        users,
        live=True,
        can_react=request.user.has_perm(perm("react")),
        can_resend=request.user.has_perm(perm("send_messages")),
    )
    remember(conversation_id, generations, context, messages)
    if context["fingerprint"] == request.GET.get("v"):
        if not context["live"]:
            return HttpResponseStopPolling()
        return HttpResponse(status=204) if bar_shown else _bar_only(request, names)
    context.update(header_context(details, inboxes, users), **presence.bar(names))
    return render(request, "conversations/_poll.html", context)
