"""Demo history: past minutes made up with a daily rhythm (quiet nights, a morning and an
afternoon peak, calmer weekends) around what the simulator's queue holds now, marked
`seeded` so the trends page can say so. Deterministic per minute, and inserted ignoring
minutes already kept: running it again adds nothing."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

from django.utils import timezone

from dashboard.trends.models import Minute, epoch_minute
from dashboard.trends.record import minute_of

BATCH = 1000


def rhythm(at: datetime) -> float:
    """How busy the queue is at `at` (local time), from about 0.15 at night to 1 at peaks."""
    local = timezone.localtime(at)
    hour = local.hour + local.minute / 60
    peaks = math.exp(-(((hour - 10.5) / 2.2) ** 2)) + 0.85 * math.exp(-(((hour - 14.5) / 2.0) ** 2))
    busy = 0.15 + 0.85 * min(1.0, peaks)
    return busy * (0.45 if local.weekday() >= 5 else 1.0)


def drift(at: datetime) -> float:
    """A slow wander around 1 (about ±12 %): each day its own level, each hour its own
    swell, never a jump from one minute to the next."""
    t = at.timestamp() / 60
    day = random.Random(int(t // 1440)).uniform(-0.08, 0.08)
    return 1 + day + 0.03 * math.sin(t / 37) + 0.02 * math.sin(t / 9.7 + 1.3)


def minute(at: datetime, peak_open: int, shares: Mapping[str, float], names: Mapping[str, str]):
    """One made-up minute: `peak_open` open conversations at the busiest time, split over
    the members by `shares` (fractions of the assigned ones)."""
    busy = rhythm(at) * drift(at)
    open_ = max(0, round(peak_open * busy))
    waiting = min(open_, round(open_ * (0.15 + 0.3 * busy)))
    unassigned = min(open_, round(open_ * 0.12 * drift(at + timedelta(hours=5))))
    members = {}
    for uid, share in shares.items():
        held = round((open_ - unassigned) * share)
        members[uid] = [held, min(held, round(held * waiting / max(1, open_)))]
    t = at.timestamp() / 60
    return Minute(
        at=at,
        minute=epoch_minute(at),
        open=open_,
        pending=min(open_, round(open_ * 0.2 * drift(at + timedelta(hours=2)))),
        waiting=waiting,
        unassigned=unassigned,
        longest_wait=round(60 * (4 + 45 * busy) * drift(at + timedelta(hours=9)))
        if waiting > 0
        else None,
        # A few failures in bursts while busy: a slow wave, not noise.
        failed=max(0, round(3 * busy * math.sin(t / 23) ** 2 - 0.4)),
        members=members,
        names={uid: names.get(uid, uid) for uid in members},
        seeded=True,
    )


def minutes(now: datetime, days: int) -> Iterator[datetime]:
    """Every minute of the last `days` days before the current one, oldest first."""
    last = minute_of(now.timestamp())
    at = last - timedelta(days=days)
    while at < last:
        yield at
        at += timedelta(minutes=1)


SCALED = ("open", "pending", "waiting", "unassigned", "longest_wait")


def seed(
    now: datetime,
    days: int,
    peak_open: int,
    shares: Mapping[str, float],
    names: Mapping[str, str],
    *,
    live: Mapping[str, float | None] | None = None,
) -> int:
    """Insert the made-up minutes the table lacks; how many there were to insert.

    `live`: the numbers the queue holds now (open, pending, …). Each number's made-up line
    is then scaled to end at it, so the history meets the first kept minute instead of
    jumping to it (the wallboard's "vs 1 h ago" compares the two)."""
    factors = _factors(minute(minute_of(now.timestamp()), peak_open, shares, names), live or {})
    count, batch = 0, []
    for at in minutes(now, days):
        batch.append(_scaled(minute(at, peak_open, shares, names), factors))
        if len(batch) == BATCH:
            count += _insert(batch)
            batch = []
    return count + _insert(batch)


def _factors(reference: Minute, live: Mapping[str, float | None]) -> dict[str, float]:
    """Per number, what turns the made-up value of the current minute into the live one."""
    factors = {}
    for name in SCALED:
        made_up, now = getattr(reference, name), live.get(name)
        if now is not None and made_up:
            factors[name] = now / made_up
    return factors


def _scaled(row: Minute, factors: Mapping[str, float]) -> Minute:
    for name, factor in factors.items():
        if (value := getattr(row, name)) is not None:
            setattr(row, name, round(value * factor))
    for name in ("pending", "waiting", "unassigned"):  # parts of the open queue, never more
        setattr(row, name, min(row.open, getattr(row, name)))
    held, waited = factors.get("open", 1.0), factors.get("waiting", 1.0)
    row.members = {uid: [round(o * held), round(w * waited)] for uid, (o, w) in row.members.items()}
    return row


def _insert(batch: list[Minute]) -> int:
    if not batch:
        return 0
    kept = set(
        Minute.objects.filter(at__gte=batch[0].at, at__lte=batch[-1].at).values_list(
            "at", flat=True
        )
    )
    fresh = [row for row in batch if row.at not in kept]
    Minute.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def shares_of(open_by_member: Mapping[str, int], members: list[str]) -> dict[str, float]:
    """Each member's share of the assigned queue: as it is now, and something for those
    holding nothing (a flat share of one conversation each)."""
    weights = {uid: open_by_member.get(uid, 0) + 1 for uid in members}
    total = sum(weights.values()) or 1
    return {uid: weight / total for uid, weight in weights.items()}
