"""The trends page's content from two days of kept minutes: per number, the day against the
same weekday a week before (a chart, a sentence saying what it shows, a table per hour),
and each team member's load over the day. Plain functions, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.utils import timezone
from django.utils.safestring import SafeString

from dashboard.trends import series, svg
from dashboard.trends.series import NUMBERS, Day, Kept, Values

# Minutes per drawn point: a 720-unit-wide chart needs no more (tables and words use every
# minute); a member's smaller chart fewer still.
CHART_STEP, MEMBER_STEP = 2, 5


@dataclass(frozen=True)
class Hour:
    label: str  # "09:00"
    cells: tuple[str, ...]  # the peak within the hour of each line, "—" when none was kept


@dataclass(frozen=True)
class Panel:
    key: str
    name: str
    chart: SafeString
    summary: str
    columns: tuple[str, ...]  # the table's column headings after the hour
    hours: tuple[Hour, ...]


def value_of(field: str) -> Callable[[Kept], float]:
    """A row's value as charted: waits in minutes (a row without a wait: nobody waits, 0)."""
    if field == "longest_wait":
        return lambda row: round((row.longest_wait or 0) / 60, 1)
    return lambda row: getattr(row, field)


def _unit(field: str) -> str:
    return " min" if field == "longest_wait" else ""


def _clock(day: Day, slot: int) -> str:
    at = day.start.astimezone(UTC) + timedelta(minutes=slot)
    return timezone.localtime(at).strftime("%H:%M")


def _peak(values: Values) -> tuple[int, float] | None:
    known = [(value, -slot) for slot, value in enumerate(values) if value is not None]
    if not known:
        return None
    value, slot = max(known)
    return -slot, value


def _num(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{value:.0f}"


def describe(name: str, unit: str, day: Day, values: Values, before: Day, earlier: Values) -> str:
    """The chart in words: "Waiting: now 12, peak 31 at 10:40; last Monday peak 25 at 11:02"."""
    parts = []
    peak = _peak(values)
    if peak is None:
        parts.append(f"{name}: no minutes kept on {day.day:%A %-d %B}")
    else:
        last = max(slot for slot, value in enumerate(values) if value is not None)
        latest = values[last]
        assert latest is not None
        when = "now" if day.day == series.today() else f"last kept at {_clock(day, last)}"
        parts.append(
            f"{name}: {when} {_num(latest)}{unit}, "
            f"peak {_num(peak[1])}{unit} at {_clock(day, peak[0])}"
        )
    earlier_peak = _peak(earlier)
    weekday = f"{before.day:%A}"
    if earlier_peak is None:
        parts.append(f"nothing kept last {weekday}")
    else:
        parts.append(
            f"last {weekday} peak {_num(earlier_peak[1])}{unit} at {_clock(before, earlier_peak[0])}"
        )
    return "; ".join(parts)


def hours(day: Day, *lines: Values) -> tuple[Hour, ...]:
    """Per hour of `day`, the peak of each line within it."""
    found = []
    for first in range(0, day.minutes, 60):
        cells = []
        for values in lines:
            known = [v for v in values[first : first + 60] if v is not None]
            cells.append(_num(max(known)) if known else "—")
        found.append(Hour(_clock(day, first), tuple(cells)))
    return tuple(found)


def panels(day: Day, before: Day) -> list[Panel]:
    found = []
    for field, name in NUMBERS.items():
        value = value_of(field)
        values = day.values(value)
        earlier = before.values(value)
        unit = _unit(field)
        this_label, last_label = f"{day.day:%a %-d %b}", f"{before.day:%a %-d %b}"
        title = f"{name}{' (minutes)' if unit else ''}: {this_label} and {last_label}"
        summary = describe(name, unit, day, values, before, earlier)
        lines = [svg.Line(last_label, earlier, "before"), svg.Line(this_label, values, "now")]
        found.append(
            Panel(
                key=field,
                name=name,
                chart=svg.chart(lines, title, summary, hours=day.minutes // 60, step=CHART_STEP),
                summary=summary,
                columns=(this_label, last_label),
                hours=hours(day, values, earlier),
            )
        )
    return found


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    chart: SafeString
    summary: str


def members(day: Day) -> tuple[list[Member], tuple[str, ...], tuple[Hour, ...]]:
    """Each member kept on `day`: a chart of their open and waiting conversations, and a
    table per hour of their peak open ones (columns: the members' names)."""
    names = day.names
    ordered = sorted(names, key=lambda uid: names[uid].lower())
    counts = member_counts(day, ordered)
    found, opens = [], []
    for uid in ordered:
        opened, waited = counts[uid]
        peak = _peak(opened)
        summary = f"{names[uid]}: " + (
            f"peak {_num(peak[1])} open at {_clock(day, peak[0])}, "
            f"at most {_num(max(v for v in waited if v is not None))} waiting"
            if peak
            else "nothing kept"
        )
        lines = [svg.Line("Open", opened, "now"), svg.Line("Waiting", waited, "waiting")]
        title = f"{names[uid]}: open and waiting on {day.day:%a %-d %b}"
        chart = svg.chart(lines, title, summary, hours=day.minutes // 60, step=MEMBER_STEP)
        found.append(Member(uid, names[uid], chart, summary))
        opens.append(opened)
    return found, tuple(names[uid] for uid in ordered), hours(day, *opens)


def member_counts(day: Day, ids: list[str]) -> dict[str, tuple[Values, Values]]:
    """Each member's open and waiting per minute of the day, in one pass over the rows (a
    kept minute that does not count a member counts 0 for them)."""
    found: dict[str, tuple[Values, Values]] = {
        uid: ([None] * day.minutes, [None] * day.minutes) for uid in ids
    }
    first, zero = day.first, (0, 0)
    for row in day.rows:
        slot = row.minute - first
        if not 0 <= slot < day.minutes:
            continue
        for uid, (opened, waited) in found.items():
            opened[slot], waited[slot] = row.members.get(uid, zero)[:2]
    return found


def seeded(*days: Day) -> bool:
    return any(row.seeded for day in days for row in day.rows)
