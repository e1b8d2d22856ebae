"""The report: ratios and targets from the measurements, the printed table, the JSON shape."""

from __future__ import annotations

import json

from bench import report
from bench.load import LoadResult
from bench.scenarios import Row, Scenario
from tests.bench import SCENARIO_KEYS as KEYS


def _row(
    key: str,
    *,
    rps: float,
    p50: float,
    p95: float,
    upstream: int = 0,
    per_second: int = 0,
    paths: tuple[str, ...] = ("/x",),
    period_ms: int = 0,
    **extra,
) -> Row:
    seconds = 10.0
    requests = int(rps * seconds)
    result = LoadResult(
        seconds=seconds,
        requests=requests,
        statuses={200: requests - extra.get("failed", 0), 502: extra.get("failed", 0)},
        socket_errors=0,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p95 * 1.2,
        max_ms=p95 * 2,
        stale_answers=extra.get("stale", 0),
        stale_max_age_s=extra.get("stale_age"),
    )
    scenario = Scenario(key, f"title of {key}", paths, 8, seconds, period_ms=period_ms)
    return Row(scenario, result, upstream, upstream_max_per_second=per_second)


def _crowd(**changes) -> Row:
    values = dict(rps=500, p50=8, p95=40, upstream=500, per_second=90, stale=0)
    return _row(
        "viewers_1000",
        paths=tuple(f"/conversations/c{n}/timeline/?v=1" for n in range(1000)),
        period_ms=2000,
        **(values | changes),
    )


def _measurements(**rows: Row) -> dict:
    defaults = {
        "list": _row("list", rps=200, p50=30, p95=60, upstream=10),
        "list_filtered": _row("list_filtered", rps=600, p50=12, p95=30, upstream=150),
        "conversation": _row("conversation", rps=80, p50=60, p95=90, upstream=1600),
        "poll_idle": _row("poll_idle", rps=700, p50=8, p95=20, upstream=20),
        "poll_changing": _row("poll_changing", rps=300, p50=20, p95=40, upstream=20),
        "wallboard": _row("wallboard", rps=500, p50=10, p95=30, upstream=70),
        "wallboard_one": _row("wallboard_one", rps=250, p50=3, p95=5, upstream=70),
        "ping": _row("ping", rps=1000, p50=1, p95=3),
        "viewers_100": _row("viewers_100", rps=50, p50=5, p95=40, upstream=20),
        "viewers_200": _row("viewers_200", rps=100, p50=60, p95=90, upstream=2000),
        "viewers_1000": _crowd(),
    }
    m = {
        "settings": {
            "code": "abc1234",
            "latency_ms": 50,
            "conversations": 22_000,
            "open_conversations": 10_500,
            "cache": "Redis",
            "timeline_poll_seconds": 2,
            "cpus": 2,
            "max_rps": 200,
        },
        "scenarios": {k: report.row_json(r) for k, r in (defaults | rows).items()},
        "cold": {
            "list": report.samples_json([55, 58, 57], errors=0, upstream_per_request=1.0),
            "conversation": report.samples_json([60, 62], errors=0, upstream_per_request=2.0),
        },
        "browser": {
            "customer_message": report.samples_json([2000.0] * 19 + [2250.0], budget_ms=2300),
            "delivery_in_flight": report.samples_json([900.0] * 19 + [1250.0], budget_ms=1300),
            "problem": "",
        },
        "rss": {
            "workers_kib": {"start": {"1": 90_000, "2": 90_000}},
            "start_kib": 180_000,
            "before_kib": 200_000,
            "after_kib": 210_000,
            "same_workers": True,
        },
        "export": _export(),
        "bulk": {"items": 500, "seconds": 6.8, "reassigns": 500, "requests": 500, "concurrency": 8},
        "trends": {
            "rows": 10_080,
            "target_ms": 200.0,
            **{
                day: {"server_p50_ms": 40.0, "server_p95_ms": 60.0, "client_p95_ms": 70.0}
                | {"bytes": 300_000, "statuses": [200], "samples": 30, "path": "/trends/"}
                for day in ("yesterday", "today")
            },
        },
    }
    m["ratios"] = report.ratios(m)
    m["targets"] = report.targets_json(report.targets(m))
    return m


def _export(**changes) -> dict:
    return {
        "path": "/conversations.csv?status=open&status=pending&status=closed",
        "status": 200,
        "rows": 22_000,
        "problem": "",
        "seconds_to_first_byte": 0.1,
        "seconds_to_last_byte": 14.2,
        "worker_rss_growth_kib": 3_000,
        "worker_rss_before_kib": {"1": 100_000, "2": 100_000},
    } | changes


def _targets_with(export: dict | None) -> dict[str, bool | None]:
    m = _measurements()
    m["export"] = export
    return _met(m | {"targets": report.targets_json(report.targets(m))})


def _met(m: dict) -> dict[str, bool | None]:
    return {t["name"]: t["met"] for t in m["targets"]}


def test_every_target_is_met_when_every_number_is_inside_it():
    assert set(_met(_measurements()).values()) == {True}


def test_ratios_compare_polls_with_the_bare_view_and_pages_with_the_latency():
    ratios = _measurements()["ratios"]
    assert ratios["poll_idle_rps_over_ping_rps"] == 0.7
    assert ratios["list_cold_p50_over_latency"] == 57 / 50
    assert ratios["wallboard_upstream_10_screens_over_1"] == 1.0
    assert ratios["worker_rss_growth"] == 1.05


def test_a_slow_poll_misses_the_throughput_target():
    m = _measurements(poll_idle=_row("poll_idle", rps=300, p50=25, p95=60, upstream=20))
    assert _met(m)["no-change poll throughput / bare view throughput"] is False


def test_ten_screens_costing_more_upstream_than_one_miss_the_wallboard_target():
    m = _measurements(wallboard=_row("wallboard", rps=500, p50=10, p95=30, upstream=140))
    assert _met(m)["wallboard: upstream requests of 10 screens / of 1 screen"] is False


def test_any_error_among_200_viewers_misses_the_target():
    m = _measurements(viewers_200=_row("viewers_200", rps=100, p50=60, p95=90, failed=1))
    assert _met(m)["200 viewers polling every poll interval: errors"] is False


def test_a_scenario_that_could_not_run_is_not_measured_rather_than_met():
    broken = Row(Scenario("viewers_100", "t", ("/x",), 100, 10), None, problem="wrk failed")
    met = _met(_measurements(viewers_100=broken))
    assert met["no-change poll p50 (100 viewers of one conversation)"] is None
    assert met["upstream requests per poll (100 viewers of one conversation)"] is None


def test_the_json_document_has_numbers_for_every_scenario_and_survives_a_round_trip():
    m = _measurements()
    again = json.loads(json.dumps(m))
    assert again == m
    for key in KEYS:
        data = again["scenarios"][key]
        for field in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "upstream_per_request"):
            assert isinstance(data[field], int | float), (key, field)
    assert {t["met"] for t in again["targets"]} <= {True, False, None}


def test_the_summary_shows_every_scenario_and_every_target():
    m = _measurements()
    text = report.summary(m)
    for key in KEYS:
        assert f"title of {key}" in text
    for target in m["targets"]:
        assert target["name"] in text
    assert "cold list (sequential, 3 samples)" in text


EXPORT_RSS = "CSV of every conversation (22,000): worker RSS growth"
EXPORT_ROWS = "CSV of every conversation: every row, no INCOMPLETE line"


def test_an_export_that_grows_a_worker_by_20_mib_misses_the_flat_memory_target():
    assert _targets_with(_export(worker_rss_growth_kib=20 * 1024))[EXPORT_RSS] is False
    assert _targets_with(_export(worker_rss_growth_kib=20 * 1024 - 1))[EXPORT_RSS] is True


def test_an_export_missing_rows_or_saying_it_is_incomplete_misses_the_rows_target():
    assert _targets_with(_export(rows=21_999))[EXPORT_ROWS] is False
    broken = _export(problem="INCOMPLETE: the export stopped after 100 conversations")
    assert _targets_with(broken)[EXPORT_ROWS] is False


def test_an_older_run_without_an_export_is_not_measured_rather_than_met():
    met = _targets_with(None)
    assert met[EXPORT_RSS] is None and met[EXPORT_ROWS] is None
    assert "Export: not measured" in report.summary(_measurements() | {"export": None})


def test_the_summary_says_how_long_the_export_took_and_how_much_memory_it_grew():
    text = report.summary(_measurements())
    assert "22,000 rows, first byte after 0.10 s, last byte after 14.20 s" in text
    assert "worker RSS growth 2.9 MiB" in text


CROWD_UPSTREAM = "1,000 viewers of as many conversations: upstream requests per poll"
CROWD_RATE = "1,000 viewers of as many conversations: most upstream requests in 1 s"
EVERY_RATE = "every scenario: most upstream requests in 1 s"


def test_a_thousand_viewers_costing_more_than_a_fifth_of_a_request_per_poll_miss_the_target():
    # 5,000 polls: 1,000 upstream requests are the most that meet it.
    assert _met(_measurements(viewers_1000=_crowd(upstream=1000)))[CROWD_UPSTREAM] is True
    assert _met(_measurements(viewers_1000=_crowd(upstream=1001)))[CROWD_UPSTREAM] is False


def test_one_second_over_the_budget_in_any_scenario_misses_the_budget_target():
    over = _measurements(list=_row("list", rps=200, p50=30, p95=60, upstream=10, per_second=201))
    met = _met(over)
    assert met[EVERY_RATE] is False
    assert met[CROWD_RATE] is True
    measured = {t["name"]: t["measured"] for t in over["targets"]}
    assert measured[EVERY_RATE] == "201 (title of list)"
    assert _met(_measurements(viewers_1000=_crowd(per_second=201)))[CROWD_RATE] is False


def test_without_a_budget_its_rate_targets_are_not_measured():
    m = _measurements()
    m["settings"]["max_rps"] = 0
    met = _met(m | {"targets": report.targets_json(report.targets(m))})
    assert met[EVERY_RATE] is None and met[CROWD_RATE] is None


def test_the_summary_says_how_stale_the_crowd_s_answers_got():
    m = _measurements(viewers_1000=_crowd(stale=250, stale_age=7))
    text = report.summary(m)
    assert "250 answers stale (5.0%), oldest shown 7 s" in text
    assert "budget 200/s" in text


def test_a_slow_delivery_change_in_flight_misses_its_target_though_within_a_poll():
    m = _measurements()
    m["browser"]["delivery_in_flight"] = report.samples_json([1400.0] * 20, budget_ms=1300)
    met = _met(m | {"targets": report.targets_json(report.targets(m))})
    assert met["delivery change of a reply in flight visible in the browser, p95"] is False
    assert met["customer message visible in the browser (nothing in flight), p95"] is True
