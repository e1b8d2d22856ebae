"""Reading the kept minutes: the last hours for the wallboard (one query per minute for
every screen and process, through the shared cache) and a day for the trends page.

Rows are read as plain tuples keyed by their epoch minute (an integer column beside `at`):
a day is some 1,440 rows, and building a model and converting a datetime for each would
cost more than everything drawn from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

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


class Kept(NamedTuple):
    """One kept minute as read for a chart."""

    minute: int  # epoch minutes
    open: int
    pending: int
    waiting: int
    unassigned: int
    longest_wait: int | None
    failed: int
    members: dict  # member ID -> [open, waiting]
    seeded: bool

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.minute * 60, UTC)


def read(first: int, last: int, *, members: bool = True) -> list[Kept]:
    """The kept minutes from epoch minute `first` to `last` (included), oldest first."""
    columns = [f for f in Kept._fields if f != "members"] if not members else Kept._fields
    rows = Minute.objects.filter(minute__gte=first, minute__lte=last).order_by("minute")
    if members:
        return [Kept._make(row) for row in rows.values_list(*columns)]
    return [Kept._make((*row[:7], {}, row[7])) for row in rows.values_list(*columns)]


def placed(rows: Iterable[Kept], first: int, count: int, value: Callable) -> Values:
    """One value per minute from epoch minute `first`, None for minutes without a row."""
    found: Values = [None] * count
    for row in rows:
        slot = row.minute - first
        if 0 <= slot < count:
            found[slot] = value(row)
    return found


_memo: tuple[int, dict[str, Values]] | None = None  # this process's copy for one minute


def recent(now: datetime | None = None) -> dict[str, Values]:
    """Each number over the last RECENT_MINUTES minutes (the last slot is the current
    minute): read from the database at most once a minute for every screen and process
    (the shared cache), and kept by each process for the minute (no cache read per refresh,
    and at most one query a minute even while the shared cache is unreachable)."""
    global _memo
    last = int((now or datetime.now(UTC)).timestamp() // 60)
    if (memo := _memo) is not None and memo[0] == last:
        return memo[1]
    key = RECENT_KEY.format(last)
    found = cache.get(key)
    if found is None:
        first = last - RECENT_MINUTES + 1
        rows = read(first, last, members=False)
        found = {
            name: placed(rows, first, RECENT_MINUTES, lambda row, n=name: getattr(row, n))
            for name in NUMBERS
        }
        cache.set(key, found, timeout=120)
    _memo = (last, found)
    return found


def forget_process_state() -> None:
    """Drop this process's copy of the last hours (tests)."""
    global _memo
    _memo = None


@dataclass
class Day:
    day: date
    start: datetime  # local midnight, aware
    minutes: int  # 1,440, or 1,380 / 1,500 on a day the clocks change
    rows: list[Kept]
    names: dict[str, str] = field(default_factory=dict)  # member ID -> a name known

    @property
    def first(self) -> int:
        return int(self.start.timestamp() // 60)

    def values(self, value: Callable[[Kept], float]) -> Values:
        """One value per minute of the day (`value` of its row), None where none was kept."""
        return placed(self.rows, self.first, self.minutes, value)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), zone)
    return start, datetime.combine(day + timedelta(days=1), time(), zone)


def day(day: date) -> Day:
    start, end = day_bounds(day)
    minutes = int((end.timestamp() - start.timestamp()) // 60)
    first = int(start.timestamp() // 60)
    rows = read(first, first + minutes - 1)
    # Names change seldom: the database hands over each distinct set once, not every row's.
    kept = Minute.objects.filter(minute__gte=first, minute__lt=first + minutes).order_by()
    names: dict[str, str] = {}
    for known in kept.values_list("names", flat=True).distinct():
        names |= {str(uid): str(name) for uid, name in known.items()}
    for row in rows:
        names |= {uid: uid for uid in row.members if uid not in names}
    return Day(day, start, minutes, rows, names)


def today() -> date:
    return timezone.localdate()
