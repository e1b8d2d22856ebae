"""What an alert poll says, from the open-queue index alone: how many customers wait past
WAIT_ALERT_MINUTES, and one key per thing worth a notification.

A crossing's key is its conversation and the moment its customer began waiting (answered
and waiting again is a new crossing); a failed delivery's is its message. Browsers notify
once per key they had not seen, and tag the notification with it, so several tabs collapse
into one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.openqueue.index import Index
from dashboard.openqueue.metrics import wait_seconds

MAX_CROSSINGS = 100  # the newest crossings a poll lists (the count covers them all)


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # "waiting" or "failed"
    conversation_id: str
    title: str  # for the notification: who, in a few words
    at: int  # epoch seconds: when it crossed (0 for a failed delivery: not ordered)


@dataclass(frozen=True)
class AlertState:
    count: int  # customers waiting past the threshold, in the whole open queue
    alerts: tuple[Alert, ...]  # failed deliveries, then the newest crossings
    complete: bool  # False when older crossings were left out (MAX_CROSSINGS)


def alert_state(index: Index, now: datetime, alert_minutes: int) -> AlertState:
    limit = alert_minutes * 60
    over = [
        c
        for c in index.conversations
        if c.waiting_since is not None and (wait_seconds(c, now) or 0.0) >= limit
    ]
    over.sort(key=lambda c: (c.waiting_since, c.id), reverse=True)
    crossings = tuple(
        Alert(
            key=f"wait:{c.id}:{c.waiting_since.isoformat()}",
            kind="waiting",
            conversation_id=c.id,
            title=f"{c.name} is waiting over {alert_minutes} min",
            at=int((c.waiting_since + timedelta(seconds=limit)).timestamp()),
        )
        for c in over[:MAX_CROSSINGS]
        if c.waiting_since is not None
    )
    names = {c.id: c.name for c in index.conversations}
    failed = tuple(
        Alert(
            key=f"failed:{item.message_id}",
            kind="failed",
            conversation_id=item.conversation_id,
            title=f"A message to {names.get(item.conversation_id, 'a customer')} was not delivered",
            at=0,
        )
        for item in index.failed
    )
    return AlertState(len(over), failed + crossings, len(over) <= MAX_CROSSINGS)
