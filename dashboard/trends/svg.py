"""Charts as server-rendered SVG: plain functions from values to markup, no script.

A series is one value per minute slot, None where no minute was kept: a gap breaks the
line (nobody watched, so nothing is known) instead of being drawn across. Every text that
reaches the markup is escaped here; the numbers are formatted floats. Styling comes from
classes and SVG presentation attributes (the CSP allows no style attributes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

Values = Sequence[float | None]


@dataclass(frozen=True)
class Line:
    name: str  # said in the legend and the text alternative
    values: Values
    css: str = "now"  # the line's class: its colour and dash in app.css


def runs(values: Values) -> list[list[tuple[int, float]]]:
    """The unbroken runs of known values, as (slot, value) pairs: one polyline each."""
    found: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for slot, value in enumerate(values):
        if value is None:
            if current:
                found.append(current)
            current = []
        else:
            current.append((slot, float(value)))
    if current:
        found.append(current)
    return found


def points(
    run: list[tuple[int, float]], slots: int, top: float, box: tuple[float, float, float, float]
) -> str:
    """A polyline's `points` for one run in the box (left, top, width, height); a run of one
    minute is drawn as a dot (the same point twice, with round caps)."""
    left, upper, width, height = box
    step = width / max(1, slots - 1)
    top = top or 1
    pairs = [(left + slot * step, upper + height - value / top * height) for slot, value in run]
    if len(pairs) == 1:
        pairs.append(pairs[0])
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def coarser(values: Values, step: int) -> Values:
    """One value per `step` slots, the largest kept in each (a peak stays visible); None
    where none was kept: a chart needs no more points than it has pixels."""
    if step <= 1:
        return list(values)
    found: list[float | None] = []
    for first in range(0, len(values), step):
        known = [v for v in values[first : first + step] if v is not None]
        found.append(max(known) if known else None)
    return found


def top_of(*series: Values) -> float:
    """The y axis's top: the largest value shown, at least 1."""
    return max([v for values in series for v in values if v is not None] + [1.0])


def _polylines(values: Values, slots: int, top: float, box, css: str) -> SafeString:
    return format_html_join(
        "",
        '<polyline class="{}" fill="none" stroke-linecap="round" stroke-linejoin="round" '
        'points="{}"/>',
        ((css, points(run, slots, top, box)) for run in runs(values)),
    )


def sparkline(values: Values, label: str, *, width: int = 200, height: int = 56) -> SafeString:
    """A small trend with no axes: `label` is its text alternative."""
    top = top_of(values)
    body = _polylines(values, len(values), top, (3, 3, width - 6, height - 6), "spark-line")
    return format_html(
        '<svg class="spark" viewBox="0 0 {} {}" preserveAspectRatio="none" role="img" aria-label="{}"><title>{}</title>{}'
        "</svg>",
        width,
        height,
        label,
        label,
        body,
    )


CHART_W, CHART_H = 720, 220
_PLOT = (52.0, 12.0, CHART_W - 80.0, CHART_H - 46.0)  # left, top, width, height


def chart(
    lines: Sequence[Line], title: str, desc: str, hours: int = 24, step: int = 1
) -> SafeString:
    """A day's chart: lines over `hours` hours (one slot a minute, drawn `step` minutes a
    point), an hour axis every three hours, the y axis from 0 to the largest value; `title`
    and `desc` are its text."""
    lines = [Line(line.name, coarser(line.values, step), line.css) for line in lines]
    slots = max(len(line.values) for line in lines) if lines else hours * 60 // step
    top = top_of(*(line.values for line in lines))
    left, upper, width, height = _PLOT
    axis = format_html(
        '<line class="axis" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>'
        '<text class="tick" x="{tx}" y="{ty}" text-anchor="end">{top}</text>'
        '<text class="tick" x="{tx}" y="{b}" text-anchor="end">0</text>',
        l=_f(left),
        r=_f(left + width),
        b=_f(upper + height),
        tx=_f(left - 6),
        ty=_f(upper + 14),
        top=_number(top),
    )
    ticks = format_html_join(
        "",
        '<line class="grid" x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>'
        '<text class="tick" x="{0}" y="{3}" text-anchor="middle">{4}</text>',
        (
            (
                _f(left + hour / hours * width),
                _f(upper),
                _f(upper + height),
                _f(upper + height + 26),
                f"{hour:02d}:00",
            )
            for hour in range(0, hours + 1, 3)
        ),
    )
    drawn = format_html_join(
        "", "{}", ((_polylines(line.values, slots, top, _PLOT, line.css),) for line in lines)
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        "<title>{}</title><desc>{}</desc>{}{}{}</svg>",
        CHART_W,
        CHART_H,
        title + ". " + desc,
        title,
        desc,
        axis,
        ticks,
        drawn,
    )


def _number(value: float) -> str:
    if value >= 10_000:  # five digits would not fit the axis's margin
        return f"{value / 1000:.0f}k"
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _f(value: float) -> str:
    return f"{value:.1f}"
