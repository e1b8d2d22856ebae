"""The trends page, measured: a week of kept minutes (10,080 rows, ten team members) in the
benchmark's database, then the page asked for again and again, each answer's own server
time read from its `Server-Timing` header (the view's time, from the first line to the
rendered page; the network and gunicorn's queue are not in it), as well as the time the
client waited. Two days are asked for: yesterday (a whole day of minutes against a week
before, which the week no longer holds) and today (the default: part of a day against the
rest of the same weekday a week before)."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta

from bench import processes
from bench.load import percentile
from bench.scenarios import Dashboard

DAYS, MEMBERS = 7, 10
ROWS = DAYS * 24 * 60
TARGET_MS = 200.0
SAMPLES = 30
_TIMING = re.compile(r"view;dur=([0-9.]+)")

# Run in the dashboard's own settings (`manage.py shell`): the demo's history, as many days
# and members as asked, ending at the current minute.
_FILL = """
from django.utils import timezone
from dashboard.trends import seed
members = [f"usr_bench_{{n:02d}}" for n in range({members})]
shares = seed.shares_of({{}}, members)
names = {{uid: f"Bench member {{n}}" for n, uid in enumerate(members)}}
print("ADDED", seed.seed(timezone.now(), {days}, 60, shares, names))
"""


def fill(env: dict[str, str], days: int = DAYS, members: int = MEMBERS) -> int:
    """Keep `days` days of minutes for `members` team members; how many rows were added."""
    out = processes.manage(
        ["shell", "--no-imports", "-c", _FILL.format(days=days, members=members)], env
    )
    added = next((ln for ln in out.splitlines() if ln.startswith("ADDED ")), "ADDED -1")
    return int(added.split()[1])


def measure(dashboard: Dashboard, rows: int, samples: int = SAMPLES) -> dict:
    """`samples` requests of each day's page: server and client milliseconds, statuses."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    pages = {"yesterday": f"/trends/?day={yesterday.isoformat()}", "today": "/trends/"}
    found: dict = {"rows": rows, "target_ms": TARGET_MS}
    for name, path in pages.items():
        server, client, statuses = [], [], []
        for _ in range(samples):
            started = time.perf_counter()
            response = dashboard.get(path)
            client.append((time.perf_counter() - started) * 1000)
            statuses.append(response.status_code)
            timing = _TIMING.search(response.headers.get("Server-Timing", ""))
            if timing:
                server.append(float(timing[1]))
        found[name] = {
            "path": path,
            "bytes": len(response.content),
            "statuses": sorted(set(statuses)),
            "server_p50_ms": _ms(percentile(server, 50)),
            "server_p95_ms": _ms(percentile(server, 95)),
            "client_p50_ms": _ms(percentile(client, 50)),
            "client_p95_ms": _ms(percentile(client, 95)),
            "samples": len(server),
        }
    return found


def _ms(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 1)


def worst_p95(m: dict) -> float | None:
    trends = m.get("trends") or {}
    found = [trends[day].get("server_p95_ms") for day in ("yesterday", "today") if day in trends]
    known = [value for value in found if value is not None]
    return max(known) if len(known) == len(found) and known else None


def line(m: dict) -> str:
    """The numbers in a sentence (the target is among the others)."""
    trends = m.get("trends")
    if not trends or "problem" in trends:
        return "Trends page: not measured" + (f" ({trends['problem']})" if trends else "")
    parts = [
        f"{day} server p50 {trends[day]['server_p50_ms']} ms, p95 {trends[day]['server_p95_ms']} "
        f"ms (client p95 {trends[day]['client_p95_ms']} ms, {trends[day]['bytes'] // 1024} KiB)"
        for day in ("yesterday", "today")
    ]
    return f"Trends page over {trends['rows']:,} kept minutes: " + "; ".join(parts)
