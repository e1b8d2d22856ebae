"""`python -m bench --out bench.json`: the dashboard under load on this machine.

Starts the simulator (added latency, a large tenant) and the dashboard under gunicorn with
production settings and a Flownally request budget (--max-rps, for the whole run: the budget
must hold under every scenario, and each is measured as people would get it), signs in,
drives each scenario with wrk, and prints requests/s, latency percentiles, errors, upstream
requests per dashboard request and the most Flownally saw in one second, the ratios and
targets of issues 6, 12 and 14, worker memory before and after, and how long a customer's
message and a delivery change take to show in Chromium. The same numbers go to --out as
JSON. Exits non-zero only when it could not run; a missed target is a result, not a failure.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import browser, bulk, export, processes, report, scenarios, trends
from bench.load import OK_STATUSES, wrk_available
from bench.processes import BenchError, Process
from bench.scenarios import FILTERED_LIST, STALE_V, WALLBOARD_REFRESH, Cast, Dashboard, Scenario
from bench.tenant import Sim

USERNAME = "bench-supervisor"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--out", required=True, type=Path, help="write the results here (JSON)")
    parser.add_argument("--duration", type=float, default=15, help="seconds per scenario")
    parser.add_argument("--conversations", type=int, default=10_000, help="tenant size")
    parser.add_argument("--latency-ms", type=int, default=50, help="added per upstream request")
    parser.add_argument(
        "--connections",
        type=int,
        default=8,
        help="concurrent clients of the unpaced scenarios (8: comparable across server layouts)",
    )
    parser.add_argument("--viewers", type=int, default=200, help="viewers of the paced poll run")
    parser.add_argument(
        "--crowd",
        type=int,
        default=1000,
        help="viewers of as many conversations in the pooled poll run (issue 14)",
    )
    parser.add_argument(
        "--max-rps",
        type=int,
        default=200,
        help="the dashboard's FLOWNALLY_MAX_RPS for the whole run (0: no budget)",
    )
    parser.add_argument("--cold-samples", type=int, default=5, help="sequential cold requests")
    parser.add_argument(
        "--warm-up", type=float, default=1, help="seconds of each unpaced scenario first (0: none)"
    )
    parser.add_argument(
        "--browser-samples",
        type=int,
        default=20,
        help="customer messages, and as many delivery changes (0: skip the browser)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/12",
        help="the cache (flushed at start); local memory when it does not answer",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


@dataclass
class System:
    """What a run started: the simulator and the dashboard, signed in."""

    sim: Sim
    sim_process: Process
    gunicorn: Process
    dashboard: Dashboard
    password: str
    settings: dict  # the dashboard's own values of the settings the benchmark needs
    cache: str
    env: dict[str, str]  # the dashboard's environment (manage.py commands run in it)

    def cpu(self) -> dict[str, float]:
        return {
            "dashboard": processes.cpu_seconds(processes.worker_pids(self.gunicorn.pid)),
            "simulator": processes.cpu_seconds([self.sim_process.pid]),
        }


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # SIGTERM unwinds like Ctrl-C: through the ExitStack, which stops every child.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    # Ctrl-C stops it even when started in the background of a script, which starts it
    # with SIGINT ignored (POSIX shells do that to `cmd &`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not wrk_available():
        print("wrk is not installed (apt-get install wrk; `make bench` does).", file=sys.stderr)
        return 2
    started = time.monotonic()
    # wrk holds a socket per viewer of the crowd, and a gunicorn worker may get them all.
    args.open_files = processes.raise_open_files(args.crowd + 512)
    try:
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            measurements = _measure(args, _start(args, stack, workdir))
    except BenchError as error:
        print(f"The benchmark could not run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; every process the benchmark started is stopped.", file=sys.stderr)
        return 130
    measurements["runtime_s"] = round(time.monotonic() - started, 1)
    args.out.write_text(json.dumps(measurements, indent=2) + "\n")
    print()
    print(report.summary(measurements))
    print(f"\nRan in {measurements['runtime_s']:.0f} s; results in {args.out}")
    return 0


def _say(text: str) -> None:
    print(text, flush=True)


def _start(args: argparse.Namespace, stack: ExitStack, workdir: Path) -> System:
    _say(f"Simulator: {args.conversations:,} conversations, {args.latency_ms} ms per request")
    sim_process, sim_root = processes.start_simulator(
        stack,
        workdir,
        conversations=args.conversations,
        latency_ms=args.latency_ms,
        seed=args.seed,
    )
    cache_url, cache = processes.choose_cache(args.redis_url)
    _say(f"Cache: {cache}")
    env = processes.dashboard_env(workdir, sim_root, cache_url, args.max_rps)
    password = secrets.token_urlsafe(16)
    _say("Dashboard: migrate, collectstatic, a Supervisor account")
    settings = processes.prepare_dashboard(env, USERNAME, password)
    gunicorn, base = processes.start_dashboard(stack, workdir, env)
    _say(f"Dashboard: gunicorn {' '.join(processes.gunicorn_args())} on {base}")
    dashboard = scenarios.sign_in(base, USERNAME, password)
    return System(Sim(sim_root), sim_process, gunicorn, dashboard, password, settings, cache, env)


def _cast(args: argparse.Namespace, system: System) -> tuple[Cast, int]:
    """The conversations each scenario uses, and the tenant's size. Reading the tenant is
    setup, not measurement: it is done without the added latency."""
    sim = system.sim
    sim.set_latency(0)
    conversations = sim.conversations()
    cast = scenarios.cast(
        sim,
        conversations,
        viewers=args.viewers,
        crowd=args.crowd,
        cold=args.cold_samples,
        seed=args.seed,
    )
    sim.set_latency(args.latency_ms)
    _say(f"Tenant: {len(conversations):,} conversations, {cast.open_count:,} open or pending")
    return cast, len(conversations)


def _plan(args: argparse.Namespace, system: System, cast: Cast) -> list[Scenario]:
    dashboard = system.dashboard
    poll_seconds = system.settings["TIMELINE_POLL_SECONDS"]
    interval = system.settings["OPEN_QUEUE_REFRESH_SECONDS"]
    idle_poll = scenarios.poll_path(dashboard, cast.idle)
    viewer_polls = tuple(scenarios.poll_paths(dashboard, cast.viewers))
    budget = system.settings["FLOWNALLY_MAX_RPS"]
    d, c = args.duration, args.connections
    # Both wallboard runs last whole intervals of the open-queue index, so each window holds
    # as many walks as one screen causes, however many ask.
    window = interval * max(1, int(d // interval))
    changing = cast.changing[0]
    return [
        Scenario("list", "1. conversation list /", ("/",), c, d),
        Scenario(
            "list_filtered",
            "1b. filtered list, from the open-queue index",
            (FILTERED_LIST,),
            c,
            d,
            note="answered from the index; its walks (every interval) are counted as upstream",
        ),
        Scenario(
            "conversation",
            "2. conversation page (a cold one each time)",
            tuple(f"/conversations/{cid}/" for cid in cast.cycle),
            c,
            d,
        ),
        Scenario(
            "poll_idle",
            "3. timeline poll, nothing changed",
            (idle_poll,),
            c,
            d,
            htmx=True,
            trigger="timeline",
        ),
        Scenario(
            "poll_changing",
            "4. timeline poll, delivery states changing",
            (f"/conversations/{changing}/timeline/?v={STALE_V}",),
            c,
            d,
            htmx=True,
            trigger="timeline",
            note="every answer renders (the poll's fingerprint is always behind)",
        ),
        Scenario(
            "wallboard",
            "5. wallboard refresh, 10 screens",
            (WALLBOARD_REFRESH,),
            10,
            window,
            htmx=True,
            trigger="board",
        ),
        Scenario(
            "wallboard_one",
            "5b. wallboard refresh, 1 screen",
            (WALLBOARD_REFRESH,),
            1,
            window,
            htmx=True,
            trigger="board",
        ),
        Scenario("ping", "6. bare Django view /ping", ("/ping",), c, d),
        Scenario(
            "viewers_100",
            f"7. 100 viewers of one conversation, every {poll_seconds}s",
            (idle_poll,) * 100,
            100,
            d,
            period_ms=poll_seconds * 1000,
            htmx=True,
            trigger="timeline",
        ),
        Scenario(
            "viewers_200",
            f"8. {len(viewer_polls)} viewers of as many conversations, every {poll_seconds}s",
            viewer_polls,
            len(viewer_polls),
            d,
            period_ms=poll_seconds * 1000,
            htmx=True,
            trigger="timeline",
        ),
        Scenario(
            "viewers_1000",
            f"9. {len(cast.crowd):,} viewers of as many, every {poll_seconds}s",
            (),  # their pages are opened just before it runs (_open_crowd)
            # A connection per viewer, as browsers have, as far as open files allow.
            min(len(cast.crowd), args.open_files - 256),
            # Long enough for every kept copy to reach its trusted lifetime and be read
            # again: a shorter run would count only the feed's reads.
            system.settings["TIMELINE_TRUSTED_SECONDS"] + d,
            period_ms=poll_seconds * 1000,
            htmx=True,
            trigger="timeline",
            pooled=True,
            note=f"budget {budget}/s" if budget else "no request budget",
        ),
    ]


def _open_crowd(dashboard: Dashboard, cast: Cast, scenario: Scenario) -> Scenario:
    """Each viewer of the crowd opens its conversation's page (for its poll URL) right
    before polling, as a browser does: what the pages read is what the polls then trust."""
    _say(f"Opening the {len(cast.crowd):,} conversations of the crowd (their poll URLs)")
    return dataclasses.replace(scenario, paths=tuple(scenarios.poll_paths(dashboard, cast.crowd)))


def _reads_index(scenario: Scenario) -> bool:
    # The list reads it too: for a Supervisor or Team lead it offers "select all N".
    return scenario.key.startswith("wallboard") or scenario.key in ("list", "list_filtered")


def _bulk(args: argparse.Namespace) -> dict:
    """Issue 12: a bulk reassign of 500 through a real db_worker, on its own simulator at
    the same latency (the load scenarios' tenant and dashboard are not involved)."""
    _say("Bulk reassign of 500 conversations")
    try:
        return bulk.measure(500, args.latency_ms, None, timeout=120)
    except BenchError as error:
        return {"problem": str(error)}


def _trends(system: System, dashboard: Dashboard) -> dict:
    """Issue 16: the trends page over a week of minutes (kept in the run's database)."""
    try:
        return trends.measure(dashboard, trends.fill(system.env))
    except BenchError as error:
        return {"problem": str(error)}


def _measure(args: argparse.Namespace, system: System) -> dict:
    cast, tenant_size = _cast(args, system)
    dashboard, sim = system.dashboard, system.sim
    rss = {"start": processes.worker_rss_kib(system.gunicorn.pid)}
    plan = _plan(args, system, cast)
    # The wallboard's scenarios run last: once anyone reads the open-queue index, it is
    # walked every interval for OPEN_QUEUE_IDLE_SECONDS, and those walks would be counted
    # as upstream requests of every scenario that ran meanwhile. (Rows are reported in the
    # plan's order.)
    order = sorted(plan, key=_reads_index)

    if args.warm_up:
        _say(f"Warm-up: {args.warm_up:g} s of each unpaced scenario (not counted)")
    for scenario in plan if args.warm_up else ():
        # Not the wallboard: reading the index starts its walks (see above).
        if not scenario.period_ms and not _reads_index(scenario):
            scenarios.run(dashboard, sim, _shortened(scenario, args.warm_up))
    # Before the index is read (its walks would grow the workers too), and counted in the
    # warm-up's memory, not the run's: its own growth is measured on its own.
    _say("Export: a CSV of every conversation")
    exported = export.measure(dashboard, system.gunicorn.pid)
    rss["warm"] = processes.worker_rss_kib(system.gunicorn.pid)
    _say("Trends page: a week of kept minutes")
    trended = _trends(system, dashboard)

    _say("Cold samples")
    cold = {
        "list": scenarios.cold_list(
            dashboard, sim, args.cold_samples, system.settings["FLOWNALLY_CACHE_TTL_LIST"]
        ),
        "conversation": scenarios.cold_conversations(dashboard, sim, cast.cold),
    }

    rows = {}
    first_snapshot_ms, first_snapshot_status = 0.0, 0
    interval = system.settings["OPEN_QUEUE_REFRESH_SECONDS"]
    for scenario in order:
        _say(f"{scenario.title}: {scenario.connections} connections, {scenario.seconds:.0f} s")
        if scenario.key in ("wallboard", "list_filtered") and not first_snapshot_ms:
            # The index's first walk: the first screen waits for it.
            first_snapshot_ms, first_snapshot_status = dashboard.timed_get(WALLBOARD_REFRESH)
        if scenario.key == "poll_changing":
            with scenarios.flipping(sim.root, cast.changing[1]) as changes:
                row = scenarios.run(dashboard, sim, scenario, system.cpu)
            row.notes.append(f"{changes[0]} delivery changes at the simulator")
        else:
            if scenario.key == "viewers_1000":
                scenario = _open_crowd(dashboard, cast, scenario)
            row = scenarios.run(dashboard, sim, scenario, system.cpu)
        rss[scenario.key] = processes.worker_rss_kib(system.gunicorn.pid)
        rows[scenario.key] = row
    rss["end"] = processes.worker_rss_kib(system.gunicorn.pid)
    rows = {scenario.key: rows[scenario.key] for scenario in plan}

    poll_seconds = system.settings["TIMELINE_POLL_SECONDS"]
    measurements: dict[str, Any] = {
        "settings": {
            "code": processes.code_version(),
            "latency_ms": args.latency_ms,
            "conversations": tenant_size,
            "open_conversations": cast.open_count,
            "duration_s": args.duration,
            "connections": args.connections,
            "cache": system.cache,
            "max_rps": system.settings["FLOWNALLY_MAX_RPS"],
            "open_files": args.open_files,
            "database": "SQLite (a fresh file)",
            "server": "gunicorn " + " ".join(processes.gunicorn_args()),
            "load_tool": "wrk",
            "cpus": os.cpu_count(),
            "machine": platform.platform(),
            "timeline_poll_seconds": poll_seconds,
            "wallboard_refresh_seconds": interval,
            "wallboard_first_snapshot": {
                "ms": round(first_snapshot_ms, 1),
                "status": first_snapshot_status,
            },
            "dashboard_settings": system.settings,
        },
        "scenarios": {key: report.row_json(row) for key, row in rows.items()},
        "cold": {key: _cold_json(samples) for key, samples in cold.items()},
        "browser": _browser(args, system, cast, poll_seconds),
        "rss": _rss_json(rss),
        "export": exported,
        "trends": trended,
        "bulk": _bulk(args),
    }
    measurements["ratios"] = report.ratios(measurements)
    measurements["targets"] = report.targets_json(report.targets(measurements))
    return measurements


def _shortened(scenario: Scenario, seconds: float) -> Scenario:
    return dataclasses.replace(scenario, seconds=seconds)


def _cold_json(samples: list[dict]) -> dict:
    return report.samples_json(
        [s["ms"] for s in samples],
        errors=sum(1 for s in samples if s["status"] not in OK_STATUSES),
        upstream_per_request=round(sum(s["upstream"] for s in samples) / max(1, len(samples)), 3),
    )


def _rss_json(rss: dict[str, dict[int, int]]) -> dict:
    """Workers' RSS at start, after the warm-up, after each scenario, and at the end."""
    return {
        "workers_kib": {
            moment: {str(k): v for k, v in found.items()} for moment, found in rss.items()
        },
        "start_kib": sum(rss["start"].values()),
        "before_kib": sum(rss["warm"].values()),
        "after_kib": sum(rss["end"].values()),
        "same_workers": sorted(rss["start"]) == sorted(rss["end"]),
    }


def _browser(args: argparse.Namespace, system: System, cast: Cast, poll_seconds: int) -> dict:
    """Issue 14: a customer's message within a poll interval + 300 ms, a delivery change of
    a reply in flight within 1.3 s (p95 each)."""
    budgets = {
        "customer_message": poll_seconds * 1000 + 300,
        "delivery_in_flight": browser.IN_FLIGHT_BUDGET_MS,
    }
    why_not = browser.unavailable() if args.browser_samples else "skipped (--browser-samples 0)"
    seen = browser.Seen()
    if not why_not:
        _say(f"Browser: {args.browser_samples} customer messages, as many delivery changes")
        try:
            browser.news_latencies(
                system.dashboard.base,
                USERNAME,
                system.password,
                system.sim,
                cast.browser,
                samples=args.browser_samples,
                poll_seconds=poll_seconds,
                seen=seen,
                seed=args.seed,
            )
        except Exception as error:  # the browser failing must not lose the load numbers
            why_not = f"{type(error).__name__}: {error}"
    measured = {"customer_message": seen.customer_ms, "delivery_in_flight": seen.delivery_ms}
    return {
        key: report.samples_json(samples, budget_ms=budgets[key])
        for key, samples in measured.items()
    } | {"problem": why_not[:500]}


if __name__ == "__main__":
    sys.exit(main())
