"""The load side of the benchmark: wrk's output read, percentiles, viewers merged, and the Lua
script run by a real wrk against a small local server."""

from __future__ import annotations

import math
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import (
    LoadResult,
    merge,
    parse_wrk_output,
    percentile,
    run_viewer_pool,
    run_viewers,
    run_wrk,
    wrk_command,
)

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8000
  2 threads and 8 connections
Requests/sec:   1884.71
BENCH-JSON {"duration_us":2000000,"requests":400,"bytes":1000,"socket_errors":{"connect":1,"read":2,"write":0,"timeout":3},"latency_us":{"min":224,"max":80197,"mean":1945.0,"p50":1760,"p90":3328,"p95":3875,"p99":5073},"latency_values_us":[],"statuses":{"204":350,"286":10,"200":30,"404":4}}
"""


def _result(**changes: object) -> LoadResult:
    values = dict(
        seconds=1.0,
        requests=0,
        statuses={},
        socket_errors=0,
        p50_ms=0.0,
        p95_ms=0.0,
        p99_ms=0.0,
        max_ms=0.0,
    )
    return LoadResult(**(values | changes))


def test_it_reads_the_json_line_the_script_prints():
    result = parse_wrk_output(WRK_OUTPUT)
    assert result.requests == 400
    assert result.seconds == 2.0
    assert result.rps == 200.0
    assert result.statuses == {204: 350, 286: 10, 200: 30, 404: 4}
    assert (result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms) == (
        1.76,
        3.875,
        5.073,
        80.197,
    )


def test_errors_are_socket_errors_and_answers_that_are_not_a_success():
    # 204 (nothing changed) and 286 (stop polling) are how a poll succeeds.
    assert parse_wrk_output(WRK_OUTPUT).errors == 1 + 2 + 3 + 4


def test_it_refuses_output_without_the_json_line():
    with pytest.raises(ValueError, match="BENCH-JSON"):
        parse_wrk_output("Requests/sec: 10\n")


def test_a_run_without_answers_has_no_latencies():
    output = WRK_OUTPUT.replace('"requests":400', '"requests":0')
    assert math.isnan(parse_wrk_output(output).p50_ms)


def test_percentiles_are_nearest_rank():
    samples = list(range(1, 101))
    assert percentile(samples, 50) == 50
    assert percentile(samples, 95) == 95
    assert percentile(samples, 99) == 99
    assert percentile(samples, 100) == 100
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 50))


def test_viewers_merge_into_one_result_over_every_latency():
    fast = _result(requests=90, statuses={204: 90}, latencies_us=((1000, 90),))
    slow = _result(requests=10, statuses={204: 9, 500: 1}, latencies_us=((200_000, 10),))
    merged = merge([fast, slow])
    assert merged.requests == 100
    assert merged.statuses == {204: 99, 500: 1}
    assert merged.errors == 1
    assert merged.p50_ms == 1.0
    assert merged.p95_ms == 200.0
    assert merged.max_ms == 200.0
    assert merged.rps == 100.0  # each ran the same second


def test_connections_are_split_evenly_over_two_threads():
    command = wrk_command("http://h", "paths", connections=9, seconds=2.4)
    assert "--threads=2" in command
    assert "--connections=8" in command
    assert "--duration=2s" in command
    single = wrk_command("http://h", "paths", connections=1, seconds=1, period_ms=2000)
    assert "--threads=1" in single
    assert single[-4:] == ["paths", "2000", "1", "0"]
    spread = wrk_command("http://h", "paths", connections=2, seconds=1, period_ms=9, spread=True)
    assert spread[-1] == "1"


# Timeline polls as the dashboard answers them: c1's page is behind (its answer renders the
# timeline with a stale notice, a new fingerprint and a faster interval), c2's conversation
# has settled (rendered without `every`: polling stops), c3 has not changed.
_TIMELINES = {
    "/conversations/c1/timeline/?v=old": (
        '<div id="timeline" hx-get="/conversations/c1/timeline/?v=new" hx-swap="outerHTML"'
        ' hx-trigger="timeline-changed from:body, every 250ms" data-poll="timeline">'
        '<p class="stale" role="status">Flownally is not answering; showing the timeline as'
        " of 3 s ago; this page keeps trying.</p></div>"
    ),
    "/conversations/c2/timeline/?v=old": (
        '<div id="timeline" hx-get="/conversations/c2/timeline/?v=done" hx-swap="outerHTML"'
        ' hx-trigger="timeline-changed from:body"></div>'
    ),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    asked: list[str] = []  # every path, in the order asked

    def do_GET(self) -> None:
        self.asked.append(self.path)
        body = _TIMELINES.get(self.path, "").encode()
        status = 200 if body else {"/ok": 200, "/gone": 404}.get(self.path, 204)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    _Handler.asked = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def wrk() -> None:
    assert shutil.which("wrk"), "wrk is missing: `apt-get install wrk` (.ci/run and make bench do)"


@pytest.mark.slow  # runs wrk
def test_wrk_cycles_through_the_paths_and_tallies_every_status(wrk, server):
    result = run_wrk(server, ["/ok", "/same", "/gone"], connections=2, seconds=1)
    assert result.requests > 30
    assert set(result.statuses) == {200, 204, 404}
    assert result.errors == result.statuses[404]
    assert result.p50_ms > 0


@pytest.mark.slow  # runs wrk
def test_each_viewer_polls_once_a_period_starting_at_once(wrk, server):
    result = run_viewers(server, ["/same", "/ok"], period_ms=400, seconds=1)
    # Requests at 0, 0.4 and 0.8 s of each viewer's second.
    assert result.statuses in ({204: 3, 200: 3}, {204: 3, 200: 4}, {204: 4, 200: 3})
    assert sum(count for _, count in result.latencies_us) == result.requests
    assert result.errors == 0


@pytest.mark.slow  # runs wrk
def test_a_viewer_follows_the_fingerprint_and_interval_a_rendered_answer_gives_it(wrk, server):
    result = run_viewer_pool(
        server, ["/conversations/c1/timeline/?v=old"], period_ms=400, seconds=1, connections=1
    )
    # Asked once with the old fingerprint; then, every 250 ms as told, with the new one.
    assert _Handler.asked[0] == "/conversations/c1/timeline/?v=old"
    assert set(_Handler.asked[1:]) == {"/conversations/c1/timeline/?v=new"}
    assert len(_Handler.asked) >= 3
    assert result.statuses[200] == 1
    assert (result.stale_answers, result.stale_max_age_s) == (1, 3)


@pytest.mark.slow  # runs wrk
def test_a_viewer_told_nothing_can_change_stops_polling_and_the_others_go_on(wrk, server):
    result = run_viewer_pool(
        server,
        ["/conversations/c2/timeline/?v=old", "/conversations/c3/timeline/?v=same"],
        period_ms=300,
        seconds=1,
        connections=2,
    )
    assert _Handler.asked.count("/conversations/c2/timeline/?v=old") == 1
    assert "/conversations/c2/timeline/?v=done" not in _Handler.asked
    assert _Handler.asked.count("/conversations/c3/timeline/?v=same") >= 2
    assert result.stopped_viewers == 1
    assert result.stale_answers == 0 and result.stale_max_age_s is None


@pytest.mark.slow  # runs wrk
def test_viewers_sharing_fewer_connections_each_poll_once_a_period(wrk, server):
    viewers = [f"/conversations/v{n}/timeline/?v=same" for n in range(8)]
    result = run_viewer_pool(server, viewers, period_ms=500, seconds=1, connections=2)
    # Each starts within the first 500 ms, so it is asked twice (three times only if it
    # started at once), however few the connections.
    assert {_Handler.asked.count(path) for path in viewers} <= {2, 3}
    assert result.requests == result.sent == len(_Handler.asked)
    assert result.errors == 0
