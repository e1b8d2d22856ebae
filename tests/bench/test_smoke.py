"""`python -m bench` end to end, small: every scenario runs and has numbers.

What the numbers are is the benchmark's business (it prints them); this only checks that
it runs, on a tiny tenant with little latency and a second per scenario."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import browser
from tests.bench import SCENARIO_KEYS

ROOT = Path(__file__).resolve().parents[2]
# It starts the simulator, gunicorn, wrk and Chromium: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    assert shutil.which("wrk"), "wrk is missing: `apt-get install wrk` (.ci/run and make bench do)"
    out = tmp_path_factory.mktemp("bench") / "results.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["WALLBOARD_REFRESH_SECONDS"] = "1"  # the wallboard's runs last whole intervals
    env["TIMELINE_TRUSTED_SECONDS"] = "1"  # the crowd runs this much longer than the rest
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--out",
            str(out),
            "--duration",
            "1",
            "--conversations",
            "200",
            "--latency-ms",
            "5",
            "--viewers",
            "10",
            "--crowd",
            "20",
            "--cold-samples",
            "1",
            "--warm-up",
            "0",
            "--browser-samples",
            "2",
            "--redis-url",
            "redis://127.0.0.1:6379/11",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "Targets (issues 6, 12, 14 and 16):" in finished.stdout
    return json.loads(out.read_text())


def test_every_scenario_ran_and_has_numbers(results):
    assert set(results["scenarios"]) == set(SCENARIO_KEYS)
    for key, data in results["scenarios"].items():
        assert data["problem"] == "", key
        assert data["requests"] > 0, key
        for field in ("rps", "p50_ms", "p95_ms", "p99_ms", "upstream_per_request"):
            assert isinstance(data[field], int | float), (key, field)


def test_nothing_failed(results):
    for key, data in results["scenarios"].items():
        assert data["errors"] == 0, (key, data["statuses"])
    for key, data in results["cold"].items():
        assert data["errors"] == 0, key


def test_upstream_requests_are_counted_at_the_simulator(results):
    scenarios = results["scenarios"]
    # /ping reads nothing; the change feed may still be reading the newest conversations
    # (it runs for a while after anyone last watched a timeline), and is counted as it ran.
    assert set(scenarios["ping"]["upstream_by_route"]) <= {"GET /conversations"}
    # A conversation page never seen before reads the conversation and its messages.
    assert scenarios["conversation"]["upstream_per_request"] >= 2
    assert results["cold"]["conversation"]["upstream_per_request"] == 2


def test_memory_ratios_and_targets_are_reported(results):
    assert results["rss"]["after_kib"] > 0
    assert results["ratios"]["poll_idle_rps_over_ping_rps"] > 0
    assert len(results["targets"]) >= 10


def test_the_browser_saw_each_customer_message_and_each_delivery_change_in_flight(results):
    assert not browser.unavailable(), browser.unavailable()
    assert results["browser"]["problem"] == ""
    assert len(results["browser"]["customer_message"]["samples_ms"]) == 2
    assert len(results["browser"]["delivery_in_flight"]["samples_ms"]) == 2


def test_the_crowd_ran_under_the_request_budget_and_says_how_stale_it_got(results):
    assert results["settings"]["max_rps"] == 200  # the default, for the whole run
    crowd = results["scenarios"]["viewers_1000"]
    assert crowd["viewers"] == 20 and crowd["connections"] == 20
    assert crowd["stale_answers"] >= 0 and crowd["late_polls"] >= 0
    # Every scenario's busiest second at Flownally is counted (the budget's target).
    assert all(data["upstream_max_per_second"] >= 0 for data in results["scenarios"].values())
    assert results["scenarios"]["conversation"]["upstream_max_per_second"] > 0
    names = {t["name"] for t in results["targets"]}
    assert "20 viewers of as many conversations: upstream requests per poll" in names
    assert "every scenario: most upstream requests in 1 s" in names


def test_the_export_downloaded_every_conversation(results):
    export = results["export"]
    assert export["status"] == 200 and export["problem"] == ""
    assert export["rows"] == results["settings"]["conversations"]
    assert export["seconds_to_last_byte"] > 0 and export["worker_rss_growth_kib"] is not None


def test_the_trends_page_was_timed_over_a_week_of_minutes(results):
    trends = results["trends"]
    assert trends["rows"] == 7 * 24 * 60
    for day in ("yesterday", "today"):
        assert trends[day]["statuses"] == [200], day
        assert trends[day]["server_p95_ms"] > 0 and trends[day]["samples"] > 0, day
    names = {t["name"] for t in results["targets"]}
    assert "trends page, a week of minutes (10,080 rows, 10 members): server p95" in names
