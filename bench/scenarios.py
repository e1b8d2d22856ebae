"""What the benchmark asks of the dashboard, and how each scenario is run and counted.

A scenario is a wrk run (paths, connections, pacing) plus the upstream requests the
simulator answered while it ran. Before each run the simulator's log goes quiet and is
cleared; after it, the log is read once it has gone quiet again.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests

from bench.load import LoadResult, run_viewer_pool, run_viewers, run_wrk
from bench.processes import BenchError
from bench.tenant import DELIVERY_STATES, Sim

_POLL_URL = re.compile(r'hx-get="(/conversations/[^"/]+/timeline/\?v=[0-9a-f]+)"')
WALLBOARD_REFRESH = "/wallboard/refresh/"
# A team lead's question only the open-queue index answers: unassigned WhatsApp customers
# waiting over 15 minutes.
FILTERED_LIST = "/?assignee=unassigned&channel=whatsapp&waiting=15"
STALE_V = "0"  # no fingerprint looks like this: every poll carrying it finds a change
# Delivery states after which a message cannot change (the client's FINAL_DELIVERY_STATES).
FINAL_DELIVERY = ("read", "failed", "received")


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    paths: tuple[str, ...]
    connections: int
    seconds: float
    # 0: each connection asks again as soon as it is answered. Else one viewer per path
    # (repeat a path for several viewers of one page), each polling every period_ms.
    period_ms: int = 0
    htmx: bool = False  # sent as htmx sends it (HX-Request)
    # The id of the element htmx names as the one asking (HX-Trigger, HX-Target): a poll's
    # ("timeline", "board") makes it a poll for the request budget, as from a browser.
    trigger: str = ""
    note: str = ""
    # Paced: one wrk process whose `connections` share the viewers, instead of one each.
    pooled: bool = False


@dataclass
class Row:
    """A scenario's outcome: the load result (None when it could not run) and upstream cost."""

    scenario: Scenario
    result: LoadResult | None
    upstream: int = 0
    upstream_by_route: dict[str, int] = field(default_factory=dict)
    upstream_last_at: float = 0.0  # wall-clock seconds the last upstream request was answered
    upstream_max_per_second: int = 0  # the most that arrived at Flownally in one second
    cpu_cores: dict[str, float] = field(default_factory=dict)  # CPU used while the load ran
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def upstream_per_request(self) -> float | None:
        """Per request sent, where wrk counted them (viewers): the server goes on serving
        polls the run's end left unanswered, and their upstream requests are counted."""
        if self.result is None or not self.result.requests:
            return None
        return self.upstream / max(self.result.requests, self.result.sent)


@dataclass
class Dashboard:
    """The running dashboard, signed in."""

    base: str
    session: requests.Session

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session.cookies['sessionid']}"

    def get(self, path: str, **headers: str) -> requests.Response:
        return self.session.get(self.base + path, headers=headers, timeout=30)

    def timed_get(self, path: str) -> tuple[float, int]:
        """(milliseconds, status) of one request."""
        started = time.perf_counter()
        response = self.get(path)
        return (time.perf_counter() - started) * 1000, response.status_code


def sign_in_attempt(
    base: str, username: str, password: str
) -> tuple[requests.Session, requests.Response]:
    """The sign-in form filled in and posted, as a browser does (its CSRF cookie first)."""
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=30).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        allow_redirects=False,
        timeout=30,
    )
    return session, response


def sign_in(base: str, username: str, password: str) -> Dashboard:
    session, response = sign_in_attempt(base, username, password)
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise BenchError(f"signing in failed: {response.status_code} {response.text[:300]}")
    return Dashboard(base, session)


@dataclass(frozen=True)
class Cast:
    """The conversations each scenario uses, chosen once from the tenant."""

    cycle: tuple[str, ...]  # conversation pages, one cold conversation per request
    cold: tuple[str, ...]  # sequential cold samples, never visited before
    idle: str  # the no-change poll
    changing: tuple[str, str]  # (conversation, outbound message) whose delivery flips
    browser: str  # open, not WhatsApp, nothing in flight: the browser replies, the customer writes
    viewers: tuple[str, ...]  # one conversation per viewer of the 200
    crowd: tuple[str, ...]  # one conversation per viewer of the 1,000 (the 200 among them)
    open_count: int


def cast(
    sim: Sim, conversations: list[dict], *, viewers: int, crowd: int, cold: int, seed: int
) -> Cast:
    rng = random.Random(seed)
    everything = [c["id"] for c in conversations]
    rng.shuffle(everything)
    live = [c["id"] for c in conversations if c.get("status") in ("open", "pending")]
    rng.shuffle(live)
    flippable = []
    for conversation_id in live:
        outbound = [
            m
            for m in sim.newest_messages(conversation_id)
            if m.get("senderType") == "user" and m.get("deliveryStatus")
        ]
        if outbound:
            flippable.append((conversation_id, outbound[0]["id"]))
        if flippable:
            break
    # Not WhatsApp: a text reply is allowed whenever (no 24-hour window to reason about).
    open_ids = [
        c["id"]
        for c in conversations
        if c.get("status") == "open" and c.get("channel") != "whatsapp"
    ]
    changing = {cid for cid, _ in flippable}
    quiet = next(
        (cid for cid in reversed(open_ids) if cid not in changing and _nothing_in_flight(sim, cid)),
        None,
    )
    if not flippable or quiet is None or len(live) < max(viewers, crowd) + 3:
        raise BenchError(
            f"the tenant is too small: {len(live)} open conversations, "
            f"{len(flippable)} with an outbound message on their first page, "
            f"{'none' if quiet is None else 'one'} open with nothing in flight"
        )
    taken = {flippable[0][0], quiet}
    rest = [cid for cid in live if cid not in taken]
    cold_ids = tuple(cid for cid in everything if cid not in taken)[:cold]
    return Cast(
        cycle=tuple(cid for cid in everything if cid not in taken and cid not in cold_ids),
        cold=cold_ids,
        idle=rest[0],
        changing=flippable[0],
        browser=quiet,
        viewers=tuple(rest[1 : 1 + viewers]),
        crowd=tuple(rest[1 : 1 + crowd]),
        open_count=len(live),
    )


def _nothing_in_flight(sim: Sim, conversation_id: str) -> bool:
    return all(
        m.get("deliveryStatus") in (None, *FINAL_DELIVERY)
        for m in sim.newest_messages(conversation_id)
    )


def poll_path(dashboard: Dashboard, conversation_id: str) -> str:
    """The timeline poll URL the conversation page carries (with its fingerprint `v`)."""
    response = dashboard.get(f"/conversations/{conversation_id}/")
    found = _POLL_URL.search(response.text)
    if response.status_code != 200 or not found:
        raise BenchError(
            f"no timeline poll URL on /conversations/{conversation_id}/ ({response.status_code})"
        )
    return found[1]


def poll_paths(dashboard: Dashboard, conversation_ids: tuple[str, ...]) -> list[str]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda cid: poll_path(dashboard, cid), conversation_ids))


def run(
    dashboard: Dashboard,
    sim: Sim,
    scenario: Scenario,
    cpu: Callable[[], dict[str, float]] = dict,
) -> Row:
    """Run one scenario: quiet upstream, clear its log, load, count what reached upstream.
    `cpu` gives the CPU seconds each process used so far: the cores each used while the
    load ran are reported beside it (the simulator shares this machine's cores)."""
    sim.upstream_after()
    sim.clear_log()
    headers = [f"Cookie: {dashboard.cookie}"]
    if scenario.htmx:
        headers.append("HX-Request: true")
    if scenario.trigger:
        headers += [f"HX-Trigger: {scenario.trigger}", f"HX-Target: {scenario.trigger}"]
    cpu_before, started = cpu(), time.monotonic()
    try:
        if scenario.pooled:
            result = run_viewer_pool(
                dashboard.base,
                scenario.paths,
                period_ms=scenario.period_ms,
                seconds=scenario.seconds,
                connections=scenario.connections,
                headers=headers,
            )
        elif scenario.period_ms:
            result = run_viewers(
                dashboard.base,
                scenario.paths,
                period_ms=scenario.period_ms,
                seconds=scenario.seconds,
                headers=headers,
            )
        else:
            result = run_wrk(
                dashboard.base,
                scenario.paths,
                connections=scenario.connections,
                seconds=scenario.seconds,
                headers=headers,
            )
    except (RuntimeError, ValueError) as error:
        return Row(scenario, None, problem=str(error))
    elapsed, cpu_after = time.monotonic() - started, cpu()
    upstream = sim.upstream_after()
    row = Row(
        scenario,
        result,
        upstream.count,
        upstream.by_route,
        upstream.last_ended_at,
        upstream.max_per_second,
    )
    row.cpu_cores = {
        part: round((cpu_after[part] - cpu_before.get(part, 0.0)) / elapsed, 2)
        for part in cpu_after
    }
    row.notes.append(status_summary(result))
    return row


def status_summary(result: LoadResult) -> str:
    total = sum(result.statuses.values()) or 1
    parts = [
        f"{status}: {100 * count / total:.0f}%"
        for status, count in sorted(result.statuses.items(), key=lambda item: -item[1])
    ]
    if result.socket_errors:
        parts.append(f"socket errors: {result.socket_errors}")
    return ", ".join(parts) or "no answers"


@contextmanager
def flipping(sim_root: str, message_id: str, every: float = 0.5) -> Iterator[list[int]]:
    """Move a message's delivery state (sent, delivered, read, sent, …) every `every`
    seconds while the block runs; yields a one-item list counting the changes."""
    sim = Sim(sim_root)
    changes = [0]
    stop = threading.Event()

    def flip() -> None:
        step = 0
        while not stop.wait(every):
            sim.force_delivery(message_id, DELIVERY_STATES[step % len(DELIVERY_STATES)])
            step += 1
            changes[0] = step

    thread = threading.Thread(target=flip, name="bench-flipper", daemon=True)
    thread.start()
    try:
        yield changes
    finally:
        stop.set()
        thread.join(5)


def cold_list(dashboard: Dashboard, sim: Sim, samples: int, ttl: float) -> list[dict]:
    """Sequential first-page loads, each after the list's cache entry has expired (the
    directory of inboxes and users stays cached, as it does in steady use)."""
    measured = []
    for _ in range(samples):
        time.sleep(ttl + 0.25)
        sim.upstream_after(quiet=0.2)
        sim.clear_log()
        ms, status = dashboard.timed_get("/")
        upstream = sim.upstream_after(quiet=0.2)
        measured.append({"ms": ms, "status": status, "upstream": upstream.count})
    return measured


def cold_conversations(dashboard: Dashboard, sim: Sim, ids: tuple[str, ...]) -> list[dict]:
    """Sequential loads of conversation pages never visited before."""
    measured = []
    for conversation_id in ids:
        sim.upstream_after(quiet=0.2)
        sim.clear_log()
        ms, status = dashboard.timed_get(f"/conversations/{conversation_id}/")
        upstream = sim.upstream_after(quiet=0.2)
        # The page reads no list: a list read meanwhile is the change feed's, not the page's.
        own = upstream.count - upstream.by_route.get("GET /conversations", 0)
        measured.append({"ms": ms, "status": status, "upstream": own})
    return measured
