"""Reading the kept minutes: the last hours for the wallboard (one query per minute for
every screen and process, through the shared cache) and a day for the trends page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.cache import cache
from django.utils import timezone

from dashboard.trends.models import Minute

# The numbers kept, in the order they are shown: field -> label.
NUMBERS = {
    "open": "Open",
    "pending": "Pending",
    "waiting": "Waiting",
    "longest_wait": "Longest wait",
    "unassigned": "Unassigned",
    "failed": "Failed",
}
RECENT_MINUTES = 4 * 60
RECENT_KEY = "trends:recent:v1:{}"
Values = list[float | None]


def slots(rows: Iterable[Minute], start: datetime, count: int, value) -> Values:
    """One value per minute from `start`, None for minutes without a row."""
    found: Values = [None] * count
    for row in rows:
        slot = int((row.at - start).total_seconds() // 60)
        if 0 <= slot < count:
            found[slot] = value(row)
    return found


def recent(now: datetime | None = None) -> dict[str, Values]:
    """Each number over the last RECENT_MINUTES minutes (the last slot is the current
    minute): read from the database at most once a minute, whatever the screens."""
    now = now or datetime.now(UTC)
    minute = now.replace(second=0, microsecond=0)
    key = RECENT_KEY.format(int(minute.timestamp()))
    found = cache.get(key)
    if found is None:
        start = minute - timedelta(minutes=RECENT_MINUTES - 1)
        rows = list(Minute.objects.filter(at__gte=start, at__lte=minute).only(*NUMBERS, "at"))
        found = {
            name: slots(rows, start, RECENT_MINUTES, lambda row, n=name: getattr(row, n))
            for name in NUMBERS
        }
        cache.set(key, found, timeout=120)
    return found


def member_names(rows: Iterable[Minute]) -> dict[str, str]:
    """Every member counted in `rows`: ID -> the latest name known (the ID when none was)."""
    names: dict[str, str] = {}
    for row in rows:
        names |= {uid: str(name) for uid, name in row.names.items()}
        names |= {uid: uid for uid in row.members if uid not in names}
    return names


@dataclass(frozen=True)
class Day:
    day: date
    start: datetime  # local midnight, aware
    minutes: int  # 1,440, or 1,380 / 1,500 on a day the clocks change
    rows: list[Minute]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), zone)
    return start, datetime.combine(day + timedelta(days=1), time(), zone)


def day(day: date) -> Day:
    start, end = day_bounds(day)
    rows = list(Minute.objects.filter(at__gte=start, at__lt=end))
    minutes = int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60)
    return Day(day, start, minutes, rows)


def today() -> date:
    return timezone.localdate()
