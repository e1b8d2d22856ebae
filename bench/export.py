"""The export, measured: one download of `/conversations.csv` with every status, so every
conversation of the tenant, timed to its last byte while the workers' memory is sampled.

The file is streamed: a worker holds one page of Flownally's list at a time, so its
memory should not grow with the tenant (the issue's target: under 20 MiB). For scale,
10,000 conversations held as the client's objects take about 10 MiB, and their CSV text
about 2 MiB more: a flat export grows by a page's worth, well under either. Growth is the
largest rise of any one worker's RSS over its RSS just before the download, sampled every
SAMPLE_S seconds while it runs; the client reads the file as CSV as it arrives, never
whole.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from typing import IO, cast

from bench import processes
from bench.scenarios import Dashboard

PATH = "/conversations.csv?status=open&status=pending&status=closed"
SAMPLE_S = 0.05
GROWTH_LIMIT_KIB = 20 * 1024
INCOMPLETE = "INCOMPLETE:"  # how the file's last line says the walk broke off


def measure(dashboard: Dashboard, gunicorn_pid: int, path: str = PATH) -> dict:
    """Download `path` once: seconds to the first and the last byte, rows, what went
    wrong if anything (a status, or the file's INCOMPLETE line), and the workers' RSS
    growth in KiB."""
    pids = processes.worker_pids(gunicorn_pid)
    before = processes.rss_kib(pids)
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_S):
            for pid, kib in processes.rss_kib(pids).items():
                peak[pid] = max(peak.get(pid, 0), kib)

    sampler = threading.Thread(target=sample, name="bench-export-rss", daemon=True)
    sampler.start()
    started = time.perf_counter()
    first_byte = None
    rows, problem = -1, ""  # the header is not a row
    try:
        with dashboard.session.get(dashboard.base + path, stream=True, timeout=600) as response:
            status = response.status_code
            if status != 200:
                problem = f"{status}: {response.text[:300]}"
            else:
                response.raw.decode_content = True
                raw = cast(IO[bytes], response.raw)  # urllib3 reads as a binary file does
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                for record in csv.reader(text):
                    if first_byte is None:
                        first_byte = time.perf_counter() - started
                    if record and record[0].startswith(INCOMPLETE):
                        problem = record[0]
                    else:
                        rows += 1
        last_byte = time.perf_counter() - started
    finally:
        done.set()
        sampler.join(5)
    for pid, kib in processes.rss_kib(pids).items():
        peak[pid] = max(peak.get(pid, 0), kib)
    growth = max((peak[pid] - before[pid] for pid in before if pid in peak), default=None)
    return {
        "path": path,
        "status": status,
        "rows": max(rows, 0),
        "problem": problem,  # empty: the whole file arrived
        "seconds_to_first_byte": None if first_byte is None else round(first_byte, 3),
        "seconds_to_last_byte": round(last_byte, 3),
        "worker_rss_growth_kib": growth,
        "worker_rss_before_kib": {str(pid): kib for pid, kib in before.items()},
    }
