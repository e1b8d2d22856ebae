"""`python -m bench.faults`: issue 13's fault probe, repeatable.

Production settings (DEBUG off), gunicorn as the Dockerfile runs it on several instances,
a PostgreSQL database and a Redis server of the probe's own (both shared by the
instances), the simulator with faults injected through its control API. Measures what
issue 13 reported (Flownally hanging or failing, the list after a failed action, password
guessing, Redis killed or hung, a worker killed while it holds a read, database
transactions under sign-ins), prints a table beside the issue's numbers and writes the
numbers as JSON. Everything it started is stopped, and its database dropped, however the
run ends. Exits non-zero only when it could not run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import fault_cases as cases
from bench import fault_rig, processes
from bench.processes import BenchError

ITEMS = ("1", "2", "6", "7", "8", "4")  # 4 last: a lockout must not spoil the others' sign-ins
# What the issue's probe measured, before any fix (issue 13).
ISSUE: dict[str, Any] = {
    "1_slowest_viewer_s": 28,
    "1_healthz_s": 25,
    "1_pollers_503_p50_s": 5.2,
    "2_list_after_action": "stale 200 -> 502",
    "4_right_password_after_50_wrong": "accepted",
    "6_redis_killed": "500s on every signed-in page, poll, wallboard, kiosk",
    "6_redis_hung_request_s": 10,
    "6_redis_hung_healthz_s": 17,
    "7_killed_lock_holder_wait_s": 43,
    "8_transactions_per_s": "7 -> 184",
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    add = parser.add_argument
    add("--out", type=Path, default=Path("bench-faults.json"), help="the numbers, as JSON")
    add("--items", default=",".join(ITEMS), help="which of issue 13's items, e.g. 1,4")
    add("--instances", type=int, default=3, help="gunicorn instances (items 6-8 use them all)")
    add("--conversations", type=int, default=200, help="the simulator's tenant")
    add("--latency-ms", type=int, default=20, help="the simulator's latency per request")
    add("--viewers", type=int, default=12, help="list viewers while Flownally hangs (1)")
    add("--hold-ms", type=int, default=40_000, help="how long Flownally holds a request (1)")
    add("--pollers-503", type=int, default=50, help="timeline pollers during a 503 (1)")
    add("--wrong-passwords", type=int, default=50, help="wrong passwords before the right (4)")
    add("--per-kind", type=int, default=2, help="pollers of each page per instance (6)")
    add("--pollers", type=int, default=100, help="viewers polling while others sign in (8)")
    add("--window", type=float, default=10, help="seconds of each measuring window (1, 6, 8)")
    add("--sign-in-every", type=float, default=2, help="seconds between sign-ins (8)")
    add("--budget", type=float, default=60, help="the most a measured request is waited for")
    args = parser.parse_args(argv)
    args.items = [item.strip() for item in args.items.split(",") if item.strip()]
    unknown = set(args.items) - set(ITEMS)
    if unknown:
        parser.error(f"no such item: {', '.join(sorted(unknown))} (items: {', '.join(ITEMS)})")
    return args


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # SIGTERM unwinds like Ctrl-C: through the ExitStack, which stops every child.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    # Ctrl-C stops it even when started in the background of a script, which starts it
    # with SIGINT ignored (POSIX shells do that to `cmd &`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="faults-")))
            rig = fault_rig.build(
                stack,
                workdir,
                instances=args.instances,
                viewers=max(
                    args.viewers, args.pollers_503, args.pollers, 3 * args.per_kind * args.instances
                ),
                conversations=args.conversations,
                latency_ms=args.latency_ms,
            )
            results: dict[str, Any] = {"settings": _settings(args, rig)}
            results["items"] = _measure(args, rig)
    except BenchError as error:
        print(f"The fault probe could not run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; every process the probe started is stopped.", file=sys.stderr)
        return 130
    results["issue"] = ISSUE
    results["runtime_s"] = round(time.monotonic() - started, 1)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(f"\nRan in {results['runtime_s']:.0f} s; numbers in {args.out}")
    return 0


def _settings(args: argparse.Namespace, rig: fault_rig.Rig) -> dict:
    return {
        "code": processes.code_version(),
        "instances": args.instances,
        "server": "gunicorn " + " ".join(processes.gunicorn_args()),
        "database": f"PostgreSQL, database {rig.db_name} (dropped afterwards)",
        "cache": f"Redis on port {rig.redis.port} (the probe's own)",
        "conversations": args.conversations,
        "latency_ms": args.latency_ms,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "dashboard_settings": rig.settings,
    }


def _measure(args: argparse.Namespace, rig: fault_rig.Rig) -> dict:
    found: dict = {}
    for item in ITEMS:
        if item not in args.items:
            continue
        if item == "1":
            _say(f"1. Flownally hanging, {args.viewers} list viewers")
            found["1_hanging"] = cases.hanging(
                rig, viewers=args.viewers, hold_ms=args.hold_ms, budget=args.budget
            )
            _say(f"1. {args.pollers_503} timeline pollers during a 503")
            found["1_pollers_503"] = cases.pollers_during_503(
                rig, pollers=args.pollers_503, seconds=args.window
            )
        elif item == "2":
            _say("2. The list after a failed action")
            found["2_list_after_action"] = cases.list_after_failed_action(rig)
        elif item == "4":
            _say(f"4. {args.wrong_passwords} wrong passwords, then the right one")
            found["4_passwords"] = cases.password_guessing(rig, wrong=args.wrong_passwords)
        elif item == "6":
            _say("6. Redis SIGKILLed under load, then started again")
            window = args.window
            found["6_redis_killed"] = cases.redis_killed(
                rig, before=window / 3, down=window / 2, after=window / 2, per_kind=args.per_kind
            )
            hung = max(window, 12.0)  # long enough to see a 10 s block whole
            _say(f"6. Redis hung (SIGSTOP) for {hung:g} s")
            found["6_redis_hung"] = cases.redis_hung(
                rig, hung=hung, per_kind=args.per_kind, budget=args.budget
            )
        elif item == "7":
            _say("7. A worker SIGKILLed while it fetches a slow read")
            found["7_killed_lock_holder"] = cases.killed_lock_holder(
                rig, delay_ms=8000, budget=args.budget + 30
            )
        elif item == "8":
            _say(f"8. Database transactions, {args.pollers} pollers, then with sign-ins")
            found["8_transactions"] = cases.transactions(
                rig, pollers=args.pollers, seconds=args.window, sign_in_every=args.sign_in_every
            )
    return found


def _s(value: float | None) -> str:
    return (
        "-"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.2f} s"
    )


def _statuses(found: dict) -> str:
    return " ".join(f"{k}:{v}" for k, v in found["statuses"].items())


def _rows(items: dict) -> list[tuple[str, str, str]]:
    rows = []
    if found := items.get("1_hanging"):
        viewers = found["viewers"]
        rows.append(
            (
                f"1 slowest of {viewers['requests']} list viewers, Flownally hanging",
                f"{ISSUE['1_slowest_viewer_s']} s",
                f"{_s(viewers['max_s'])} ({_statuses(viewers)}; {found['stale_answers']} stale)",
            )
        )
        rows.append(
            (
                "1 /healthz meanwhile, slowest: liveness port (HEALTHCHECK); app port",
                f"{ISSUE['1_healthz_s']} s",
                f"{_s(found['healthz']['max_s'])} ({found['healthz']['requests']} asked); "
                f"{_s(found['healthz_app_port']['max_s'])} "
                f"({found['healthz_app_port']['requests']} asked)",
            )
        )
    if found := items.get("1_pollers_503"):
        rows.append(
            (
                f"1 {found['pollers']} timeline pollers during a 503, p50 / p95",
                f"{ISSUE['1_pollers_503_p50_s']} s / -",
                f"{_s(found['p50_s'])} / {_s(found['p95_s'])} ({_statuses(found)})",
            )
        )
    if found := items.get("2_list_after_action"):
        before, after = found["before_action"], found["after_action"]
        rows.append(
            (
                "2 list for viewers: before -> after a failed action",
                ISSUE["2_list_after_action"],
                f"{'stale ' if before['stale'] else ''}{before['status']} -> "
                f"{'stale ' if after['stale'] else ''}{after['status']} "
                f"(the action: {found['action_status']})",
            )
        )
    if found := items.get("4_passwords"):
        refused = " ".join(f"{k}:{v}" for k, v in found["wrong_statuses"].items())
        rows.append(
            (
                f"4 right password after {found['wrong']} wrong",
                ISSUE["4_right_password_after_50_wrong"],
                f"{'accepted' if found['right_accepted'] else 'refused'} "
                f"({found['right_status']}; the wrong ones: {refused})",
            )
        )
    if found := items.get("6_redis_killed"):
        down, after = found["down"], found["after_restart"]
        rows.append(
            (
                "6 HTTP 500s with Redis SIGKILLed (pages, polls, wallboard, kiosk)",
                "all",
                f"{down['http_500s']} of {down['requests']} ({_statuses(down)}); "
                f"after restart {after['http_500s']} of {after['requests']}",
            )
        )
    if found := items.get("6_redis_hung"):
        pages, health = found["pages"], found["by_kind"].get("healthz", {})
        rows.append(
            (
                f"6 Redis hung {found['hung_s']:g} s: pages p50 / slowest; slowest /healthz",
                f"{ISSUE['6_redis_hung_request_s']} s each; {ISSUE['6_redis_hung_healthz_s']} s",
                f"{_s(pages['p50_s'])} / {_s(pages['max_s'])} ({_statuses(pages)}); "
                f"{_s(health.get('max_s'))}",
            )
        )
    if found := items.get("7_killed_lock_holder"):
        where = "another instance" if found["other_instance"] else "the same instance, respawned"
        rows.append(
            (
                f"7 the same read on {where}, after its holder was killed",
                f"{ISSUE['7_killed_lock_holder_wait_s']} s",
                f"{_s(found['wait_s'])} ({found['status']})",
            )
        )
    if found := items.get("8_transactions"):
        rows.append(
            (
                f"8 DB transactions/s, {found['pollers']} pollers: quiet -> 1 sign-in every 2 s",
                ISSUE["8_transactions_per_s"],
                f"{found['quiet_per_s']} -> {found['signing_in_per_s']} "
                f"({found['sign_ins']} sign-ins; polls {_statuses(found['polls'])})",
            )
        )
    return rows


def table(results: dict) -> str:
    settings = results["settings"]
    rows = [("item", "issue 13 (before)", "this run"), *_rows(results["items"])]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [
        f"Fault probe on {settings['code']}: {settings['instances']} x {settings['server']}; "
        f"{settings['database']}; {settings['cache']}; {settings['cpus']} CPUs",
        "",
    ]
    for row in rows:
        lines.append(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
