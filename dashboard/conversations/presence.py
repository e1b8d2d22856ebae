"""Who else has a conversation open now, told by the timeline polls already made.

Each conversation has one roster in the shared cache: account ID -> (how others see it
named, when it was last seen, when the newest of its pages there was loaded). A viewer's poll reads it in the round trip it makes anyway
(quiet_poll's get_many, or the whole stack's), and writes its own entry back only when
that entry is older than REFRESH_POLLS poll intervals: about every other poll, one cache
write. Entries count for LIFETIME_POLLS intervals after they were written, so a viewer
who left (closed the tab, went elsewhere, stopped polling) drops out of everyone's bar
within a poll or two of their entry's end.

The roster is read, changed and written back whole, so two viewers writing at the same
moment can lose one of the two updates. That heals itself: whoever was lost finds their
entry old at their next poll and writes again, one interval later, and an entry outlives
that by half an interval, so nobody flickers out. The interval is TIMELINE_POLL_SECONDS
for every viewer (a fast-polling page just writes at every fourth poll instead).

The page carries what its bar shows as a short fingerprint (`p`, sent with every poll):
when the people there change, the next poll answers with the bar (swapped out of band)
even if the timeline has no news. A viewer never sees themself. A poll without `p` (a
client that shows no bar) is still counted as there, never answered for it.

A page that is left says so as it goes (`conversation_left`, a beacon from live.js, with
when that page was loaded), so the others see it at their next poll; when it cannot (a
crash, a lost network), the entry's end does the same a little later. A beacon from a page
older than the account's newest one there is ignored: a reload (whose beacon comes after
the new page was served) or closing one of two tabs leaves the person there.
"""

from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.cache import cache as shared
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.text import get_text_list
from django.views.decorators.http import require_POST

from dashboard.accounts.roles import perm
from dashboard.flownally import cache, client
from dashboard.flownally.errors import NotFound

REFRESH_POLLS = 1.5  # own entry rewritten when older than this many poll intervals
LIFETIME_POLLS = 3.5  # ... and counts this long after it was written


def key(conversation_id: str) -> str:
    return f"presence:{conversation_id}"


def _interval() -> float:
    return float(settings.TIMELINE_POLL_SECONDS)


def _roster(found: object) -> dict:
    return found if isinstance(found, dict) else {}


def _entry(roster: object, pk: object) -> tuple | None:
    entry = _roster(roster).get(pk)
    return entry if _valid(entry) else None


def _valid(entry: object) -> bool:
    return isinstance(entry, tuple) and len(entry) == 3


def others(roster: object, me: object, now: float | None = None) -> list[str]:
    """How the others there now are named, sorted (never `me`, never an expired entry)."""
    now = cache.now() if now is None else now
    since = now - LIFETIME_POLLS * _interval()
    return sorted(
        entry[0]
        for pk, entry in _roster(roster).items()
        if pk != me and _valid(entry) and entry[1] > since
    )


def fingerprint(names: list[str]) -> str:
    return hashlib.sha1("\n".join(names).encode(), usedforsecurity=False).hexdigest()[:12]


def shows_latest(roster: object, me: object, shown: str | None) -> bool:
    """The page's bar (`shown`: its `p`; None when it has none) is the people there now."""
    return shown is None or shown == fingerprint(others(roster, me))


def own_name(roster: object, me: object) -> str | None:
    """The name `me` was last written with (so a quick poll can rewrite it as it is)."""
    entry = _entry(roster, me)
    return entry[0] if entry else None


def due(roster: object, me: object) -> bool:
    """`me`'s entry must be written again (missing, or older than REFRESH_POLLS)."""
    entry = _entry(roster, me)
    return entry is None or cache.now() - entry[1] >= REFRESH_POLLS * _interval()


def seen(
    conversation_id: str, roster: object, me: object, name: str, page: float | None = None
) -> None:
    """Write `me` into the roster read (one cache write), dropping expired entries; `page`:
    a page of theirs loaded then (else the newest one known is kept)."""
    now = cache.now()
    since = now - LIFETIME_POLLS * _interval()
    kept = {
        pk: entry
        for pk, entry in _roster(roster).items()
        if pk != me and _valid(entry) and entry[1] > since
    }
    if page is None:
        own = _entry(roster, me)
        page = own[2] if own else now
    kept[me] = (name, now, page)
    shared.set(key(conversation_id), kept, LIFETIME_POLLS * _interval())


def gone(conversation_id: str, me: object, page: float) -> None:
    """`me` left the page loaded at `page` (it said so as it went): others see it at their
    next poll, unless a newer page of theirs is there."""
    roster = _roster(shared.get(key(conversation_id)))
    own = _entry(roster, me)
    if own and own[2] <= page:
        del roster[me]
        shared.set(key(conversation_id), roster, LIFETIME_POLLS * _interval())


def bar(names: list[str]) -> dict:
    """The presence bar's context: the sentence and the fingerprint the page carries."""
    if not names:
        words = ""
    else:
        verb = "is" if len(names) == 1 else "are"
        words = f"{get_text_list(names, 'and')} {verb} here too."
    return {"presence_words": words, "presence": fingerprint(names)}


@require_POST
@permission_required(perm("view_conversations"), raise_exception=True)
def conversation_left(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The page was left: out of the roster now, not at the entry's end."""
    try:
        conversation_id = client.valid_id("cnv", conversation_id)
    except NotFound:
        raise Http404("No such conversation") from None
    try:
        page = float(request.POST.get("page", ""))
    except ValueError:
        return HttpResponseBadRequest("Which page was left is not said.")
    if not math.isfinite(page):
        return HttpResponseBadRequest("Which page was left is not said.")
    gone(conversation_id, request.user.pk, page)
    return HttpResponse(status=204)
