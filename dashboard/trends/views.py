"""The trends page (`/trends/`) and its numbers as a file (`/trends/trends.csv`).

Both show one day (`?day=YYYY-MM-DD`, in the site's time zone; today by default) against
the same weekday a week before. Permission: `view_wallboard`, as the wallboard: these are
its numbers over time (aggregates and per-member counts, no conversation), so whoever may
watch the board may see how it went; every role holds it.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.accounts.roles import perm
from dashboard.conversations.export import neutralise
from dashboard.trends import page, series
from dashboard.trends.series import NUMBERS


class BadDay(ValueError):
    pass


def parse_day(raw: str | None) -> date:
    """The `day` query parameter; today when absent (raises BadDay)."""
    if not raw:
        return series.today()
    problem = BadDay(f"“{raw[:40]}” is not a day: use the form YYYY-MM-DD.")
    if len(raw) != 10:  # fromisoformat also takes 20260130, which the URL should not
        raise problem
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise problem from None


@require_GET
@permission_required(perm("view_wallboard"), raise_exception=True)
def trends(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    try:
        day = parse_day(request.GET.get("day"))
    except BadDay as error:
        context = {"problem": str(error), "today": series.today()}
        return render(request, "trends/trends.html", context, status=400)
    shown, before = series.day(day), series.day(day - timedelta(days=7))
    people, names, member_hours = page.members(shown)
    context = {
        "day": day,
        "before": before.day,
        "today": series.today(),
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "kept": bool(shown.rows or before.rows),
        "seeded": page.seeded(shown, before),
        "panels": page.panels(shown, before),
        "members": people,
        "member_names": names,
        "member_hours": member_hours,
        "retention_days": settings.TRENDS_RETENTION_DAYS,
        "zone": timezone.get_current_timezone_name(),
    }
    response = render(request, "trends/trends.html", context)
    # The server's own time for the page, which the benchmark reads.
    response["Server-Timing"] = f"view;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


@require_GET
@permission_required(perm("view_wallboard"), raise_exception=True)
def trends_csv(request: HttpRequest) -> HttpResponse:
    """One row per kept minute of the day (gaps have none): the numbers, then each member's
    open and waiting. Cells are quoted and formulas neutralised, as in the list's export."""
    try:
        day = parse_day(request.GET.get("day"))
    except BadDay as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    shown = series.day(day)
    names = shown.names
    ids = sorted(names, key=lambda uid: names[uid].lower())
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    header = ["time", *NUMBERS, "seeded"]
    header[header.index("longest_wait")] = "longest_wait_seconds"
    header += [f"{names[uid]} {what}" for uid in ids for what in ("open", "waiting")]
    writer.writerow([neutralise(cell) for cell in header])
    for row in shown.rows:
        cells = [timezone.localtime(row.at).isoformat()]
        cells += ["" if getattr(row, f) is None else str(getattr(row, f)) for f in NUMBERS]
        cells.append("yes" if row.seeded else "no")
        for uid in ids:
            cells += [str(n) for n in row.members.get(uid, [0, 0])[:2]]
        writer.writerow([neutralise(cell) for cell in cells])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trends-{day.isoformat()}.csv"'
    return response
