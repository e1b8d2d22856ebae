"""Keeping the open-queue index fresh: a background thread in every process, and a lease
in the shared cache so that exactly one of them walks at a time.

Each process's thread wakes twice a second. When someone has looked at the index lately
and a walk is due (one interval after the last one *began*, so a screen never sees data
older than interval + walk), it takes the lease and walks. The lease lasts a few seconds
and the walker renews it while it walks, so:
- walks never overlap, however long one takes (a walk at 100,000 conversations outlasts
  the interval);
- a walker killed outright (SIGKILL, OOM, a lost machine) holds up the next walk by one
  lease at most, and one stopped politely (SIGTERM) gives the lease back on its way out;
- no request thread ever walks: pages read the index and never wait for Flownally, but
  for the very first index.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from dashboard.core.lease import Lease
from dashboard.core.upstream import describe
from dashboard.flownally.errors import FlownallyError
from dashboard.openqueue import index, search, walk
from dashboard.trends import record

LEASE_KEY = "openqueue:lease:v1"
TICK = 0.5  # seconds between a thread's looks at whether a walk is due
log = logging.getLogger(__name__)

_thread: threading.Thread | None = None
_thread_pid = 0
_stop = threading.Event()  # this process's thread is to end
_exiting = threading.Event()  # the process is shutting down: no walk from here on
_start_lock = threading.Lock()
_held: str | None = None  # the lease token this process holds while it walks


def ensure_running() -> None:
    """Start this process's refresher thread (once per process, again after a fork)."""
    global _thread, _thread_pid
    if _thread is not None and _thread.is_alive() and _thread_pid == os.getpid():
        return
    with _start_lock:
        if _thread is not None and _thread.is_alive() and _thread_pid == os.getpid():
            return
        _stop.clear()
        _thread = threading.Thread(target=_run, name="openqueue-refresher", daemon=True)
        _thread_pid = os.getpid()
        _thread.start()


def stop(timeout: float = 60) -> None:
    """Stop this process's thread, letting a walk in progress end (tests; shutdown)."""
    global _thread
    _stop.set()
    if _thread is not None and _thread_pid == os.getpid():
        _thread.join(timeout)
    _thread = None
    _stop.clear()
    index.forget_process_state()


def lease() -> Lease:
    """A few seconds, and at most half an interval: a walker killed mid-walk delays the
    next walk by less than the interval, however short that is."""
    return Lease(LEASE_KEY, seconds=max(1, min(4, index.interval() // 2)))


def refresh_if_due() -> bool:
    """Walk now if a walk is due, nobody else is walking, and someone wants the index;
    True when this call walked."""
    global _held
    if _exiting.is_set() or not index.wanted() or not index.due(*index.stored()):
        return False
    held = lease()
    token = held.acquire()
    if token is None:
        return False
    _held = token
    try:
        if not index.due(*index.stored()):  # another walk landed since we looked
            return False
        _walk_holding(held, token)
        return True
    finally:
        _held = None
        held.release(token)


def _walk_holding(held: Lease, token: str) -> None:
    lost = threading.Event()
    done = threading.Event()

    def keep_lease() -> None:
        while not done.wait(held.seconds / 4):
            if not held.renew(token):
                lost.set()
                return

    keeper = threading.Thread(target=keep_lease, name="openqueue-lease", daemon=True)
    keeper.start()
    try:
        try:
            fresh = walk.compute()
        except FlownallyError as error:
            if not lost.is_set():
                index.store_failure(index.Failure(time.time(), describe(error)))
            log.warning("open-queue walk failed: %s", error)
            return
        if lost.is_set() or _exiting.is_set():  # another walker's result is the one to keep
            log.warning("open-queue walk lost its lease; its result is dropped")
            return
        index.store(fresh)
        record.record(fresh)  # this minute's numbers, unless kept already (never raises)
        log.info(
            "open-queue walk: %d conversations in %.1f s",
            len(fresh.conversations),
            fresh.walk_seconds,
        )
    finally:
        done.set()
        keeper.join()


def keep_ready() -> None:
    """While people look, have this process read each new index and prepare its search
    as it lands, so that no page pays for it: at 4,000 open conversations reading one
    from the shared cache takes some 0.1 s, preparing its search tens of ms."""
    if not index.wanted():
        return
    stamp, _ = index.stored()
    found = index.load(stamp)
    if found is not None:
        search.prepare(found)


def _run() -> None:
    while not _stop.is_set():
        try:
            refresh_if_due()
            keep_ready()
        except Exception:  # a broken cache or a bug: log it, keep the thread alive
            log.exception("open-queue refresher")
        _stop.wait(TICK)


def _give_back_lease() -> None:
    """On a polite exit (SIGTERM in gunicorn, Ctrl-C) the next walker need not wait: no new
    walk starts, and the lease of the one under way is given back at once (its result,
    should it still finish, is dropped)."""
    _exiting.set()
    _stop.set()
    if _held is not None:
        lease().release(_held)


# As the interpreter starts to shut down, before it waits for other threads (the fan-out
# pool finishing a walk's pages could take a while): threading's own exit hook, which
# concurrent.futures uses too; atexit, which runs later, where it is missing.
getattr(threading, "_register_atexit", atexit.register)(_give_back_lease)
