"""The fault probe's measurements, one function per item of issue 13; each returns a dict
of numbers (seconds, status counts) and leaves no fault behind it.

Requests come from threads of this process, each with its own connection, like browsers:
a request that gets no answer within its budget counts as status 0, a refused or reset
connection as -1.
"""

from __future__ import annotations

import math
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests

from bench import processes, scenarios
from bench.fault_rig import SIGNER, TARGET, Rig, commits
from bench.processes import BenchError
from bench.scenarios import poll_path, sign_in

TIMEOUT, REFUSED = 0, -1
STALE_TEXT = "Flownally is not answering"


def stale(sample: Sample) -> bool:
    """A page served from the last good copy, saying so."""
    return sample.status == 200 and STALE_TEXT in sample.text


@dataclass(frozen=True)
class Target:
    kind: str
    url: str
    session_key: str = ""  # signed in with this session; "" = not signed in
    htmx: bool = False


@dataclass(frozen=True)
class Sample:
    kind: str
    started: float  # monotonic
    seconds: float
    status: int
    text: str = ""


def get(target: Target, *, timeout: float = 60, session: requests.Session | None = None) -> Sample:
    headers = {"HX-Request": "true"} if target.htmx else {}
    if target.session_key:
        headers["Cookie"] = f"sessionid={target.session_key}"
    started = time.monotonic()
    try:
        response = (session or requests).get(
            target.url, headers=headers, timeout=timeout, allow_redirects=False
        )
        status, text = response.status_code, response.text
    except requests.Timeout:
        status, text = TIMEOUT, ""
    except requests.ConnectionError:
        status, text = REFUSED, ""
    return Sample(target.kind, started, time.monotonic() - started, status, text)


@dataclass
class Pollers:
    """Each target asked every `period` seconds (at once again when an answer took longer),
    from its own thread and connection, first at a random moment of the first period."""

    targets: list[Target]
    period: float
    timeout: float = 60
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def running(self) -> Iterator[Pollers]:
        threads = [
            threading.Thread(target=self._poll, args=(t,), daemon=True) for t in self.targets
        ]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(self.timeout + 5)

    def _poll(self, target: Target) -> None:
        session = requests.Session()
        next_at = time.monotonic() + random.uniform(0, self.period)
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            next_at = time.monotonic() + self.period
            self.samples.append(get(target, timeout=self.timeout, session=session))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def summary(samples: list[Sample]) -> dict:
    seconds = [s.seconds for s in samples]
    return {
        "requests": len(samples),
        "p50_s": round(percentile(seconds, 0.5), 3),
        "p95_s": round(percentile(seconds, 0.95), 3),
        "max_s": round(max(seconds, default=math.nan), 3),
        "statuses": {str(k): v for k, v in sorted(Counter(s.status for s in samples).items())},
        "http_500s": sum(1 for s in samples if s.status == 500),
    }


@contextmanager
def fault(rig: Rig, **rule: object) -> Iterator[None]:
    rig.sim.control("POST", "faults", dict(rule))
    try:
        yield
    finally:
        rig.sim.control("DELETE", "faults")
        _until_recovered(rig)


def _until_recovered(rig: Rig, timeout: float = 60) -> None:
    """Until the dashboard's circuit to Flownally is closed again (where it has one), so
    that one item's fault does not spill into the next: a signed-in page read while it is
    half-open is the probe that closes it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = requests.get(f"{rig.base(0)}/readyz", timeout=10)
        if ready.status_code == 404 or ready.json().get("flownally", {}).get("circuit") in (
            None,
            "closed",
        ):
            return
        get(Target("list", f"{rig.base(0)}/", rig.sessions[0]), timeout=10)
        time.sleep(0.5)


def _health_while(
    bases: list[str], busy: Callable[[], bool], timeout: float
) -> dict[str, list[Sample]]:
    """/healthz at each base asked again and again (a new connection each time, the bases
    in turn, each in its own thread) while `busy()`."""

    def ask(base: str) -> list[Sample]:
        samples = []
        while busy():
            samples.append(get(Target("healthz", f"{base}/healthz"), timeout=timeout))
            time.sleep(0.2)
        return samples

    with ThreadPoolExecutor(len(bases)) as pool:
        return dict(zip(bases, pool.map(ask, bases), strict=True))


def _ttl(rig: Rig, *names: str) -> float:
    return max(float(rig.settings[f"FLOWNALLY_CACHE_TTL_{n}"]) for n in names) + 0.5


# --- 1. a hanging or failing Flownally -------------------------------------------------------


def hanging(rig: Rig, *, viewers: int, hold_ms: int, budget: float) -> dict:
    """After one good load, Flownally holds every request for `hold_ms`: `viewers` list
    viewers at once on one instance, and /healthz there meanwhile: on the liveness port the
    HEALTHCHECK asks, and on the port the viewers share (where it waits for a thread)."""
    base = rig.base(0)
    first = get(Target("list", f"{base}/", rig.sessions[0]))
    with fault(rig, kind="timeout", path="^/v1/", delayMs=hold_ms):
        time.sleep(_ttl(rig, "LIST"))  # the good copy is no longer fresh
        targets = [Target("list", f"{base}/", rig.sessions[i]) for i in range(viewers)]
        with ThreadPoolExecutor(viewers) as pool:
            futures = [pool.submit(get, t, timeout=budget) for t in targets]
            bases = [rig.liveness[0], base] if rig.liveness else [base]
            health = _health_while(bases, lambda: not all(f.done() for f in futures), budget)
            answers = [f.result() for f in futures]
    return {
        "first_load_status": first.status,
        "viewers": summary(answers),
        "stale_answers": sum(1 for a in answers if stale(a)),
        "healthz": summary(health[bases[0]]),  # what the HEALTHCHECK sees
        "healthz_app_port": summary(health[base]),
        "budget_s": budget,
    }


def pollers_during_503(rig: Rig, *, pollers: int, seconds: float) -> dict:
    """`pollers` viewers of one conversation's timeline, at its poll period, while
    Flownally answers that conversation's reads with 503."""
    base, cid = rig.base(0), rig.conversations[0]
    path = poll_path(rig.supervisor, cid)
    first = get(Target("timeline", base + path, rig.sessions[0], htmx=True))
    period = float(rig.settings["TIMELINE_POLL_SECONDS"])
    with fault(rig, kind="error", status=503, path=f"^/v1/conversations/{cid}"):
        time.sleep(_ttl(rig, "CONVERSATION", "MESSAGES"))
        targets = [
            Target("timeline", base + path, rig.sessions[i], htmx=True) for i in range(pollers)
        ]
        with Pollers(targets, period).running() as running:
            time.sleep(seconds)
    return {"first_load_status": first.status, "pollers": pollers, **summary(running.samples)}


# --- 2. the list after a failed action -------------------------------------------------------


def list_after_failed_action(rig: Rig) -> dict:
    """Flownally answers 503 to everything; the list is served from its last good copy;
    then someone reassigns a conversation (it fails), and the list is asked for again."""
    base, cid = rig.base(0), rig.conversations[1]
    viewer = Target("list", f"{base}/", rig.sessions[0])
    first = get(viewer)
    with fault(rig, kind="error", status=503, path="^/v1/"):
        time.sleep(_ttl(rig, "LIST"))
        before = get(viewer)
        session = rig.supervisor.session
        action = session.post(
            f"{base}/conversations/{cid}/reassign/",
            data={
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                "idempotency_key": uuid.uuid4().hex,
                "user_id": rig.assignee,
            },
            headers={"HX-Request": "true"},
            timeout=60,
        )
        after = get(viewer)
    return {
        "first_load_status": first.status,
        "before_action": {"status": before.status, "stale": stale(before)},
        "action_status": action.status_code,
        "after_action": {"status": after.status, "stale": stale(after)},
    }


# --- 4. password guessing --------------------------------------------------------------------


def _attempt(base: str, password: str) -> requests.Response:
    return scenarios.sign_in_attempt(base, TARGET, password)[1]


def password_guessing(rig: Rig, *, wrong: int) -> dict:
    """`wrong` wrong passwords for one account (three at a time), then the right one."""
    base = rig.base(0)
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda i: _attempt(base, f"wrong-{i}"), range(wrong)))
    right = _attempt(base, rig.password)
    accepted = right.status_code == 302 and "login" not in right.headers.get("Location", "")
    return {
        "wrong": wrong,
        "wrong_statuses": dict(Counter(str(a.status_code) for a in answers)),
        "right_status": right.status_code,
        "right_accepted": accepted,
    }


# --- 6. Redis killed, Redis hung -------------------------------------------------------------


def _mixed_targets(rig: Rig, poll: str, per_kind: int) -> list[Target]:
    """On every instance, `per_kind` of each: list viewers, timeline polls, wallboards,
    kiosk screens (each signed-in one its own account); and /healthz."""
    targets, accounts = [], iter(rig.sessions)
    for base in rig.bases:
        for _ in range(per_kind):
            targets += [
                Target("list", f"{base}/", next(accounts)),
                Target("timeline", base + poll, next(accounts), htmx=True),
                Target("wallboard", f"{base}/wallboard/refresh/", next(accounts), htmx=True),
                Target("kiosk", f"{base}/wallboard/k/{rig.kiosk}/refresh/", htmx=True),
            ]
        targets.append(Target("healthz", f"{base}/healthz"))
    return targets


def _by_kind(samples: list[Sample]) -> dict:
    kinds = sorted({s.kind for s in samples})
    return {kind: summary([s for s in samples if s.kind == kind]) for kind in kinds}


def _pages(samples: list[Sample]) -> list[Sample]:
    return [s for s in samples if s.kind != "healthz"]


def redis_killed(rig: Rig, *, before: float, down: float, after: float, per_kind: int) -> dict:
    """Pollers on every instance (each every second); Redis SIGKILLed, then (after `down`
    s) started again, empty."""
    poll = poll_path(rig.supervisor, rig.conversations[2])
    with Pollers(_mixed_targets(rig, poll, per_kind), 1.0, timeout=30).running() as running:
        time.sleep(before)
        killed = time.monotonic()
        rig.redis.kill()
        time.sleep(down)
        restarted = time.monotonic()
        rig.redis.start()
        time.sleep(after)
    pages = _pages(running.samples)
    down_samples = [s for s in running.samples if killed <= s.started < restarted]
    return {
        "before": summary([s for s in pages if s.started < killed]),
        "down": summary(_pages(down_samples)),
        "down_by_kind": _by_kind(down_samples),
        "after_restart": summary([s for s in pages if s.started >= restarted]),
    }


def redis_hung(rig: Rig, *, hung: float, per_kind: int, budget: float) -> dict:
    """The same pollers; Redis stopped (SIGSTOP) for `hung` seconds, then continued. What
    was asked while it was stopped, by kind (a request still waiting when Redis continues
    is answered then: `hung` bounds what can be seen)."""
    poll = poll_path(rig.supervisor, rig.conversations[2])
    targets = _mixed_targets(rig, poll, per_kind)
    with Pollers(targets, 1.0, timeout=budget).running() as running:
        time.sleep(2)
        stopped = time.monotonic()
        rig.redis.signal(signal.SIGSTOP)
        try:
            time.sleep(hung)
        finally:
            continued = time.monotonic()
            rig.redis.signal(signal.SIGCONT)
        time.sleep(1)
    during = [s for s in running.samples if stopped <= s.started < continued]
    return {
        "hung_s": hung,
        "pages": summary(_pages(during)),
        "by_kind": _by_kind(during),
        "after": summary([s for s in _pages(running.samples) if s.started >= continued]),
    }


# --- 7. a worker killed while it holds a read ------------------------------------------------


def killed_lock_holder(rig: Rig, *, delay_ms: int, budget: float) -> dict:
    """A conversation never read before is slow upstream; the first instance's workers are
    SIGKILLed while fetching it; the fault is lifted and another instance asks for it."""
    cid = rig.conversations[-1]
    page = f"/conversations/{cid}/"
    with ThreadPoolExecutor(1) as pool:
        with fault(
            rig, kind="latency", method="GET", path=f"^/v1/conversations/{cid}$", delayMs=delay_ms
        ):
            holder = pool.submit(get, Target("page", rig.base(0) + page, rig.sessions[0]))
            time.sleep(min(1.5, delay_ms / 2000))
            master = rig.gunicorns[0].pid
            workers = processes.worker_pids(master)
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
        other = get(Target("page", rig.base(1) + page, rig.sessions[1]), timeout=budget)
        killed = holder.result()
    _wait_for_workers(rig.bases[0])
    return {
        "workers_killed": len(workers),
        "killed_request_status": killed.status,
        "other_instance": len(rig.bases) > 1,
        "wait_s": round(other.seconds, 3),
        "status": other.status,
        "budget_s": budget,
    }


def _wait_for_workers(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if get(Target("healthz", f"{base}/healthz"), timeout=5).status == 200:
            return
        time.sleep(0.2)
    raise BenchError(f"gunicorn at {base} did not come back after its workers were killed")


# --- 8. database transactions ----------------------------------------------------------------


def _signing_in(rig: Rig, every: float, stop: threading.Event, done: list[bool]) -> None:
    next_at, i = time.monotonic(), 0
    while not stop.wait(max(0.0, next_at - time.monotonic())):
        next_at += every
        try:
            sign_in(rig.base(i), SIGNER, rig.password)
            done.append(True)
        except (BenchError, requests.RequestException):
            done.append(False)
        i += 1


def _rate(rig: Rig, seconds: float) -> float:
    started, first = time.monotonic(), commits(rig.db_name)
    time.sleep(seconds)
    return (commits(rig.db_name) - first) / (time.monotonic() - started)


def transactions(rig: Rig, *, pollers: int, seconds: float, sign_in_every: float) -> dict:
    """`pollers` viewers (one account each, across the instances) polling a timeline:
    database commits per second, then again with one sign-in every `sign_in_every` s."""
    poll = poll_path(rig.supervisor, rig.conversations[3])
    period = float(rig.settings["TIMELINE_POLL_SECONDS"])
    targets = [
        Target("timeline", rig.base(i) + poll, rig.sessions[i], htmx=True) for i in range(pollers)
    ]
    signed: list[bool] = []
    stop = threading.Event()
    with Pollers(targets, period, timeout=30).running() as running:
        time.sleep(period * 2)  # every viewer has polled: their accounts are cached
        quiet = _rate(rig, seconds)
        thread = threading.Thread(target=_signing_in, args=(rig, sign_in_every, stop, signed))
        thread.start()
        try:
            busy = _rate(rig, seconds)
        finally:
            stop.set()
            thread.join(30)
    return {
        "pollers": pollers,
        "window_s": seconds,
        "quiet_per_s": round(quiet, 1),
        "signing_in_per_s": round(busy, 1),
        "sign_ins": len(signed),
        "sign_ins_failed": signed.count(False),
        "polls": summary(running.samples),
    }
