"""The benchmark's trends measurement, run small: a week of minutes really lands in a
dashboard database through manage.py, the page is timed from its Server-Timing header, and
the target is reported."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bench import processes, report, scenarios, trends
from dashboard.accounts.roles import SUPERVISOR, ensure_roles
from dashboard.trends import seed
from tests.support.accounts import PASSWORD


@pytest.mark.slow
def test_a_week_of_minutes_is_kept_in_the_benchmark_database(tmp_path):
    env = processes.dashboard_env(tmp_path, "http://127.0.0.1:9", "locmemcache://bench-trends")
    processes.manage(["migrate", "--noinput"], env)
    assert trends.fill(env, days=7, members=10) == 10_080
    assert trends.fill(env, days=7, members=10) == 0  # nothing twice
    with sqlite3.connect(tmp_path / "bench.sqlite3") as db:
        [(rows, members)] = db.execute(
            "SELECT count(*), max(members) FROM trends_minute"
        ).fetchall()
    assert rows == 10_080 and len(json.loads(members)) == 10


def test_the_page_is_timed_by_its_own_server_time(
    live_server, transactional_db, make_user, settings
):
    ensure_roles()
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    from django.utils import timezone

    members = [f"usr_{n}" for n in range(3)]
    seed.seed(timezone.now(), 2, 30, seed.shares_of({}, members), {})
    make_user(SUPERVISOR, username="bench")
    dashboard = scenarios.sign_in(live_server.url, "bench", PASSWORD)
    found = trends.measure(dashboard, rows=2 * 1440, samples=3)
    for day in ("yesterday", "today"):
        assert found[day]["statuses"] == [200]
        assert found[day]["samples"] == 3
        assert 0 < found[day]["server_p50_ms"] <= found[day]["client_p95_ms"]
    line = trends.line({"trends": found})
    assert line.startswith("Trends page over 2,880 kept minutes: yesterday server p50")


def test_the_target_is_met_or_missed_on_the_worse_day():
    def target(yesterday: float, today: float) -> report.Target:
        m = {
            "trends": {"yesterday": {"server_p95_ms": yesterday}, "today": {"server_p95_ms": today}}
        }
        [found] = report._trends_targets(m)
        return found

    assert target(120, 80).met is True
    missed = target(120, 230)
    assert missed.met is False and missed.measured == "230.0 ms"
    assert missed.name == "trends page, a week of minutes (10,080 rows, 10 members): server p95"
    assert report._trends_targets({"trends": {"problem": "x"}})[0].met is None
