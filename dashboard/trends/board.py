"""The wallboard's trends: beside each headline number, its last four hours as a sparkline
and its change against an hour ago ("▲ 5 vs 1 h ago")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.safestring import SafeString

from dashboard.trends import series, svg

HOUR = 60
NEAR = 2  # minutes either side of an hour ago that still count as "an hour ago"


@dataclass(frozen=True)
class Trend:
    sparkline: SafeString
    direction: str  # "up", "down", "same", or "" when nothing was kept an hour ago
    change: str  # what the screen says, in words


def hour_ago(values: series.Values) -> float | None:
    """The value kept an hour before the last slot, or the nearest within NEAR minutes."""
    middle = len(values) - 1 - HOUR
    for offset in sorted(range(-NEAR, NEAR + 1), key=abs):
        slot = middle + offset
        if 0 <= slot < len(values) and values[slot] is not None:
            return values[slot]
    return None


def change(now: float | None, before: float | None, *, minutes: bool = False) -> tuple[str, str]:
    """(direction, words) for now against an hour ago; waits are said in whole minutes."""
    if before is None:
        return "", "no data 1 h ago"
    now, before = now or 0, before or 0  # nobody waiting: a wait of 0
    delta = round((now - before) / 60) if minutes else round(now - before)
    if delta == 0:
        return "same", "same as 1 h ago"
    size_text = _size(abs(delta), minutes)
    return (
        ("up", f"▲ {size_text} vs 1 h ago") if delta > 0 else ("down", f"▼ {size_text} vs 1 h ago")
    )


def _size(size: int, minutes: bool) -> str:
    """Short enough for a tile: "5", "12 min", "17 h"."""
    if not minutes:
        return str(size)
    return f"{size} min" if size < 120 else f"{round(size / 60)} h"


def _label(name: str, values: series.Values) -> str:
    kept = [v for v in values if v is not None]
    if not kept:
        return f"{name}: no minutes kept in the last 4 hours"
    scale = 60 if name == series.NUMBERS["longest_wait"] else 1
    unit = " min" if scale == 60 else ""
    first, last, peak = (round(v / scale) for v in (kept[0], kept[-1], max(kept)))
    return f"{name}, last 4 hours: from {first}{unit} to {last}{unit}, peak {peak}{unit}"


def trends(current: Mapping[str, float | None]) -> dict[str, Trend]:
    """For each headline number (its current value in `current`), its trend."""
    recent = series.recent()
    found = {}
    for field, name in series.NUMBERS.items():
        values = recent[field]
        direction, words = change(
            current.get(field), hour_ago(values), minutes=field == "longest_wait"
        )
        found[field] = Trend(svg.sparkline(values, _label(name, values)), direction, words)
    return found
