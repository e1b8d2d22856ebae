"""The change feed: which conversations have news, read once for every process and instance.

A timeline poll would otherwise re-read its conversation and messages from Flownally each
time their short cache entries expire: one viewer per conversation costs about one request
per poll. Instead, while anyone watches a timeline, one process of the cluster reads the
most recently active conversations (GET /conversations?sort=lastMessageAt:desc, every
status) every NEWS_FEED_SECONDS and compares each one's summary (last message, status,
assignee, unread count, wait) with the one it saw last, kept in the shared cache. Each
conversation that changed has its `cnv:` tag moved on, exactly as an action here does after
a write, so every process's next poll of it reads again; the others keep trusting what
they have (timeline.py) for up to TIMELINE_TRUSTED_SECONDS.

When more conversations changed than one page holds, further pages are read (at most
NEWS_FEED_PAGES) until one reaches activity older than the previous read's newest. Should
even that not cover it, or should there be no previous read to compare with, nothing read
before now can be trusted: the feed's *since* moves to now.

The heartbeat (since, last good read) tells polls whether to trust: only entries fetched
after `since` (a chain of reads that each compared with the one before began then), and
only while the last good read is recent. A failing feed, an idle one, or an unreachable
Redis (its heartbeat cannot be read) puts every poll back on the short TTLs.

Which process reads: a lease in the shared cache (core.lease, as the open-queue refresher),
held by one process's thread and renewed before each read; a leader that dies hands over
within the lease's few seconds. Watching is noted in this process's memory (no cache round
trip in the poll), and its thread shares it in the cache every few seconds; the feed stops
NEWS_IDLE_SECONDS after the last watcher left.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.core.cache import cache as shared

from dashboard.core import cache_health
from dashboard.core.lease import Lease
from dashboard.flownally import cache, client, deadline
from dashboard.flownally.errors import FlownallyError
from dashboard.flownally.models import Conversation

HEARTBEAT_KEY = "news:heartbeat:v1"
SEEN_KEY = "news:seen:v1"
WANTED_KEY = "news:wanted:v1"
LEASE_KEY = "news:lease:v1"
PAGE_SIZE = 100
NEWS_IDLE_SECONDS = 30
# A read of Flownally that began before the feed's first answer and ended after it may
# hold data older than what the feed compares with: entries fetched within this long of
# that answer are not trusted (reads take milliseconds; the cap bounds the rare slow one).
_OVERLAP_S = 1.0
_SEEN_KEPT_S = 600  # an older comparison would mark most of the list changed anyway
log = logging.getLogger(__name__)

type Summary = tuple[object, ...]


def interval() -> float:
    return settings.NEWS_FEED_SECONDS


def stale_after() -> float:
    """How old the last good read may be for polls to trust the feed: three reads missed."""
    return max(1.5, 3 * interval())


def trusted_since(heartbeat: object, now: float) -> float | None:
    """From the heartbeat's value: entries fetched after the returned time may be trusted
    (None: the feed is off, failing, idle or out of reach; use the short TTLs)."""
    if interval() <= 0 or not (isinstance(heartbeat, tuple) and len(heartbeat) == 2):
        return None
    since, last_good = heartbeat
    return since if now - last_good <= stale_after() else None


def lifetime(short: float, since: float | None, now: float) -> float:
    """How long a timeline's read may be trusted: `short` (its TTL), or while the feed is
    healthy, as long as it was fetched after `since` and no longer than the cap (a TTL of
    0, never cached, stays 0)."""
    if since is None or short <= 0:
        return short
    return max(short, min(settings.TIMELINE_TRUSTED_SECONDS, now - since))


def summary(conversation: Conversation) -> Summary:
    """What a list item says about a conversation: any change in it is news."""
    c = conversation
    return (
        c.last_message_at,
        c.last_message_preview,
        c.status,
        c.assignee_id,
        c.unread_count,
        c.waiting_since,
    )


# --- one read ------------------------------------------------------------------------------


def read_once() -> list[str]:
    """Read the feed once, move on the tags of the conversations that changed since the
    previous read, and beat the heart; the IDs of those that changed."""
    seen = shared.get(SEEN_KEY)
    if not (isinstance(seen, tuple) and len(seen) == 3):
        seen = None
    newest_before: datetime | None = seen[1] if seen else None
    items: list[Conversation] = []
    page_token = None
    # Within a few reads' time (a read that outlasts it is no use), and with a person's
    # share of the request budget: starving the feed would send every poll to Flownally.
    with deadline.within(stale_after()):
        for _ in range(max(1, settings.NEWS_FEED_PAGES)):
            page = client.conversation_list(
                sort="lastMessageAt:desc", page_size=PAGE_SIZE, page_token=page_token,
                cached=False,
            )  # fmt: skip
            items += page.items
            page_token = page.next_page_token
            if not page_token or newest_before is None or _older(items[-1], newest_before):
                break
    answered = cache.now()
    if seen is None:  # nothing to compare with: from now on
        since, changed = answered + _OVERLAP_S, []
    else:
        changed = list(_changed(items, seen[2], newest_before))
        cache.invalidate(*(f"cnv:{cid}" for cid in changed))
        covered = not page_token or _older(items[-1], newest_before)
        since = seen[0] if covered else answered + _OVERLAP_S
    newest = max((c.last_message_at for c in items if c.last_message_at), default=newest_before)
    shared.set(SEEN_KEY, (since, newest, {c.id: summary(c) for c in items}), _SEEN_KEPT_S)
    shared.set(HEARTBEAT_KEY, (since, answered), math.ceil(stale_after()) + 1)
    return changed


def _changed(
    items: list[Conversation], known: dict[str, Summary], newest_before: datetime | None
) -> Iterator[str]:
    for c in items:
        before = known.get(c.id)
        if before is None:
            # Not in the previous read: activity since moved it up (one whose last activity
            # is older than that read's newest merely lay beyond the pages read then).
            if not _older(c, newest_before):
                yield c.id
        elif before != summary(c):
            yield c.id


def _older(conversation: Conversation, than: datetime | None) -> bool:
    """Its last activity came before `than` (the previous read's newest): nothing new."""
    at = conversation.last_message_at
    return than is not None and at is not None and at < than


# --- who reads, and when -------------------------------------------------------------------

_watched_at = 0.0  # monotonic: when this process last served a watcher
_shared_at = 0.0  # monotonic: when this process last said so in the shared cache
_token: str | None = None  # the lease, while this process is the reader
_thread: threading.Thread | None = None
_thread_pid = 0
_stop = threading.Event()
_start_lock = threading.Lock()


def watching() -> None:
    """Someone watches a timeline here: keep the feed going (no cache round trip)."""
    global _watched_at
    if interval() <= 0:
        return
    _watched_at = time.monotonic()
    if _thread is None or not _thread.is_alive() or _thread_pid != os.getpid():
        ensure_running()


def wanted() -> bool:
    """Someone watched lately: here, or (through the shared cache) anywhere."""
    if time.monotonic() - _watched_at < NEWS_IDLE_SECONDS:
        return True
    return shared.get(WANTED_KEY) is not None


def lease() -> Lease:
    """A few reads long: a reader that dies hands over within that."""
    return Lease(LEASE_KEY, seconds=max(2, math.ceil(4 * interval())))


def tick() -> bool:
    """One step of this process's thread: share that someone watches here, keep or take
    the lease while the feed is wanted, and read when holding it; True when it read."""
    global _token, _shared_at
    idle = NEWS_IDLE_SECONDS
    now = time.monotonic()
    if now - _watched_at < idle and now - _shared_at >= idle / 4:
        _shared_at = now
        shared.set(WANTED_KEY, True, timeout=idle)
    held = lease()
    if interval() <= 0 or cache_health.unreachable() or not wanted():
        if _token is not None:
            held.release(_token)
            _token = None
        return False
    if _token is not None and not held.renew(_token):
        _token = None
    if _token is None and (_token := held.acquire()) is None:
        return False
    try:
        read_once()
    except FlownallyError as error:  # the heartbeat ages; polls fall back to the short TTLs
        log.warning("news feed read failed: %s", error)
    return True


def ensure_running() -> None:
    """Start this process's feed thread (once per process, again after a fork)."""
    global _thread, _thread_pid
    if _thread is not None and _thread.is_alive() and _thread_pid == os.getpid():
        return  # the poll's path: no lock when the thread runs
    with _start_lock:
        if _thread is not None and _thread.is_alive() and _thread_pid == os.getpid():
            return
        _stop.clear()
        _thread = threading.Thread(target=_run, name="news-feed", daemon=True)
        _thread_pid = os.getpid()
        _thread.start()


def _run() -> None:
    while not _stop.is_set():
        began = time.monotonic()
        try:
            tick()
        except Exception:  # a broken cache or a bug: log it, keep the thread alive
            log.exception("news feed")
        _stop.wait(max(0.05, interval() - (time.monotonic() - began)))


def stop(timeout: float = 10) -> None:
    """Stop this process's thread and give the lease back (tests; shutdown)."""
    global _thread, _token, _watched_at, _shared_at
    _stop.set()
    if _thread is not None and _thread_pid == os.getpid():
        _thread.join(timeout)
    _thread = None
    if _token is not None:
        lease().release(_token)
    _token, _watched_at, _shared_at = None, 0.0, 0.0
    _stop.clear()


def _give_back_lease() -> None:
    """On a polite exit the next reader need not wait out the lease."""
    _stop.set()
    if _token is not None:
        lease().release(_token)


# Before the interpreter waits for other threads, as the open-queue refresher does.
getattr(threading, "_register_atexit", atexit.register)(_give_back_lease)
