"""Load from separate processes: wrk with our Lua script, and the numbers it reports.

wrk rather than hey: one run can cycle through thousands of URLs (a cold conversation page
per request), pace a connection like a viewer's poll timer, and report every status and
every socket error; its percentiles are exact to the microsecond. hey takes a single URL,
starts every paced worker's timer at the same instant, and with `-o csv` leaves failed
requests out.

Unpaced scenarios are one wrk process. Viewers are either one wrk process each (one
connection), started at random moments of the first period like people opening a page, and
their latencies merged; or, when there are too many for a process each (1,000 would be a
thousand wrk processes on the cores being measured), one wrk process whose connections
share the viewers, each viewer's timer kept by the script (see wrk.lua).
"""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("wrk.lua")
MARKER = "BENCH-JSON "
OK_STATUSES = frozenset({200, 204, 286})  # 204: nothing changed; 286: stop polling


@dataclass(frozen=True)
class LoadResult:
    """One wrk run: what it sent, what came back, how long it took."""

    seconds: float
    requests: int
    statuses: dict[int, int]
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    # Each distinct latency (µs) and how often it was seen: only viewers' runs carry them.
    latencies_us: tuple[tuple[int, int], ...] = ()
    # Viewers' runs only: polls that left over 100 ms after they were due (the load side
    # fell behind), answers that carried the stale notice and the oldest age one showed
    # (None: none showed an age), viewers told to stop polling by a rendered answer.
    late_polls: int = 0
    max_late_ms: float = 0.0
    stale_answers: int = 0
    stale_max_age_s: int | None = None
    stopped_viewers: int = 0
    sent: int = (
        0  # polls sent (0: not counted); those still unanswered at the end are not in `requests`
    )

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Socket errors (refused, reset, timed out) and every answer that is not a success."""
        failed = sum(n for status, n in self.statuses.items() if status not in OK_STATUSES)
        return self.socket_errors + failed


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def parse_wrk_output(stdout: str) -> LoadResult:
    """The result from wrk's output: the JSON line our script's `done` prints."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        raise ValueError(f"wrk printed no {MARKER.strip()} line:\n{stdout[-2000:]}")
    data = json.loads(line.removeprefix(MARKER))
    latency = data["latency_us"]
    requests = data["requests"]

    def ms(name: str) -> float:
        return latency[name] / 1000 if requests else math.nan

    return LoadResult(
        seconds=data["duration_us"] / 1e6,
        requests=requests,
        statuses={int(status): count for status, count in data["statuses"].items()},
        socket_errors=sum(data["socket_errors"].values()),
        p50_ms=ms("p50"),
        p95_ms=ms("p95"),
        p99_ms=ms("p99"),
        max_ms=ms("max"),
        latencies_us=tuple((int(v), int(n)) for v, n in data.get("latency_values_us", ())),
        late_polls=data.get("late_polls", 0),
        max_late_ms=data.get("max_late_ms", 0.0),
        stale_answers=data.get("stale_answers", 0),
        stale_max_age_s=None if data.get("stale_max_age_s", -1) < 0 else data["stale_max_age_s"],
        stopped_viewers=data.get("stopped_viewers", 0),
        sent=data.get("sent", 0),
    )


def merge(results: Sequence[LoadResult]) -> LoadResult:
    """Viewers' runs as one: counts added, percentiles over every latency of every run."""
    latencies: Counter[int] = Counter()
    for result in results:
        for value, count in result.latencies_us:
            latencies[value] += count
    counted = sorted(latencies.items())
    statuses: Counter[int] = Counter()
    for result in results:
        statuses.update(result.statuses)

    def ms(p: float) -> float:
        return weighted_percentile(counted, p) / 1000

    return LoadResult(
        seconds=sum(r.seconds for r in results) / len(results) if results else 0.0,
        requests=sum(r.requests for r in results),
        statuses=dict(statuses),
        socket_errors=sum(r.socket_errors for r in results),
        p50_ms=ms(50),
        p95_ms=ms(95),
        p99_ms=ms(99),
        max_ms=counted[-1][0] / 1000 if counted else math.nan,
        latencies_us=tuple(counted),
        late_polls=sum(r.late_polls for r in results),
        max_late_ms=max((r.max_late_ms for r in results), default=0.0),
        stale_answers=sum(r.stale_answers for r in results),
        stale_max_age_s=max(
            (r.stale_max_age_s for r in results if r.stale_max_age_s is not None), default=None
        ),
        stopped_viewers=sum(r.stopped_viewers for r in results),
        sent=sum(r.sent for r in results),
    )


def wrk_command(
    base_url: str,
    paths_file: Path,
    *,
    connections: int,
    seconds: float,
    period_ms: int = 0,
    headers: Iterable[str] = (),
    spread: bool = False,
) -> list[str]:
    """wrk's command line: two threads (one per core of the target machine) unless there
    is a single connection; connections rounded so that each thread has the same number.
    `spread`: paced viewers start at random moments of the first period, not at once."""
    threads = 1 if connections < 2 else 2
    connections = max(threads, connections - connections % threads)
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={SCRIPT}",
    ]
    for header in headers:
        command.append(f"--header={header}")
    return [
        *command,
        base_url,
        str(paths_file),
        str(period_ms),
        str(threads),
        "1" if spread else "0",
    ]


def run_wrk(
    base_url: str,
    paths: Sequence[str],
    *,
    connections: int,
    seconds: float,
    headers: Iterable[str] = (),
) -> LoadResult:
    """Run wrk against `base_url`, cycling through `paths` as fast as it is answered."""
    return _wrk_once(base_url, paths, connections=connections, seconds=seconds, headers=headers)


def _wrk_once(base_url: str, paths: Sequence[str], *, seconds: float, **options: Any) -> LoadResult:
    """One wrk process over a file of `paths` (options: those of `wrk_command`)."""
    if not paths:
        raise ValueError("no paths to request")
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        command = wrk_command(base_url, Path(listing.name), seconds=seconds, **options)
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        Path(listing.name).unlink(missing_ok=True)
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr[-2000:]}")
    return parse_wrk_output(finished.stdout)


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (as wrk computes its own): NaN without samples."""
    return weighted_percentile(sorted(Counter(samples).items()), p)


def weighted_percentile(counted: Sequence[tuple[float, int]], p: float) -> float:
    """Nearest-rank percentile of (value, count) pairs sorted by value: NaN when empty."""
    total = sum(count for _, count in counted)
    if not total:
        return math.nan
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value, count in counted:
        seen += count
        if seen >= rank:
            return value
    return counted[-1][0]


def run_viewers(
    base_url: str,
    paths: Sequence[str],
    *,
    period_ms: int,
    seconds: float,
    headers: Iterable[str] = (),
    seed: int = 7,
) -> LoadResult:
    """One viewer per path, each a wrk process with one connection polling every
    `period_ms`, started at a random moment of the first period; their results merged."""
    rng = random.Random(seed)
    starts = sorted(rng.uniform(0, period_ms / 1000) for _ in paths)
    workdir = Path(tempfile.mkdtemp(prefix="bench-viewers-"))
    running: list[subprocess.Popen] = []
    try:
        began = time.monotonic()
        for n, (path, start) in enumerate(zip(paths, starts, strict=True)):
            listing = workdir / f"{n}.paths"
            listing.write_text(path + "\n")
            time.sleep(max(0.0, began + start - time.monotonic()))
            command = wrk_command(
                base_url,
                listing,
                connections=1,
                seconds=seconds,
                period_ms=period_ms,
                headers=headers,
            )
            running.append(
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            )
        results = []
        for process in running:
            stdout, stderr = process.communicate(timeout=seconds + 60)
            if process.returncode != 0:
                raise RuntimeError(f"wrk failed ({process.returncode}): {stderr[-2000:]}")
            results.append(parse_wrk_output(stdout))
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    return merge(results)


def run_viewer_pool(
    base_url: str,
    paths: Sequence[str],
    *,
    period_ms: int,
    seconds: float,
    connections: int,
    headers: Iterable[str] = (),
) -> LoadResult:
    """One viewer per path, each polling every `period_ms` from a random moment of the
    first period, all in one wrk process of `connections` connections: one per viewer
    models a browser each; fewer are enough while answers are quick (late polls say when
    they were not)."""
    return _wrk_once(
        base_url,
        paths,
        connections=min(connections, len(paths)),
        seconds=seconds,
        period_ms=period_ms,
        headers=headers,
        spread=True,
    )
