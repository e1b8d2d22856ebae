"""`python -m bench.client`: what the Flownally client costs and saves.

Runs a simulator in this process (on a loopback port), points the client at it and prints:
the client's overhead per call over a bare HTTP request, a cache hit (local memory, and
Redis when --redis-url is given), a four-call fan-out against one call at the simulator's
latency, and how many upstream requests 50 concurrent identical reads cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable

import requests
from django.core.cache import caches
from django.test import override_settings

from bench import setup_django
from dashboard.flownally import client
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from dashboard.simulator.server import start_in_thread
from dashboard.simulator.simulator import Simulator


def _timed(call: Callable[[], object], count: int) -> float:
    """Median milliseconds of `count` calls."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.client",
        description="Measure the Flownally client's overhead, cache, fan-out and single-flight.",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=50,
        help="simulated upstream latency for fan-out and single-flight",
    )
    parser.add_argument("--redis-url", default=None, help="also measure a cache hit on this Redis")
    parser.add_argument("--count", type=int, default=300)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Django must be set up (`python -m bench.client` does it)."""
    args = _arguments(argv)
    simulator = Simulator(conversations=1000, frozen=True, traffic_per_minute=0)
    server, base_url = start_in_thread(simulator)
    caches_setting = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bench",
        }
    }
    try:
        with override_settings(
            FLOWNALLY_API_URL=base_url, FLOWNALLY_API_TOKEN="sim-token", CACHES=caches_setting
        ):
            _run(simulator, base_url, args)
            if args.redis_url:
                _redis_hit(args.redis_url, args.count)
    finally:
        server.shutdown()
    return 0


def _redis_hit(redis_url: str, count: int) -> None:
    redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    with override_settings(CACHES=redis):
        caches["default"].clear()
        client.conversation_get(REFERENCE_CONVERSATION_ID)
        hit = _timed(lambda: client.conversation_get(REFERENCE_CONVERSATION_ID), count)
        print(f"{'cache hit, Redis':48} {hit:8.3f} ms")


def _run(simulator: Simulator, base_url: str, args: argparse.Namespace) -> None:
    count = args.count
    path = f"/conversations/{REFERENCE_CONVERSATION_ID}"
    bare = requests.Session()
    bare.headers["Authorization"] = "Bearer sim-token"
    raw = _timed(lambda: bare.get(base_url + path, timeout=5).json(), count)
    with override_settings(FLOWNALLY_CACHE_TTL_CONVERSATION=0):
        uncached = _timed(lambda: client.conversation_get(REFERENCE_CONVERSATION_ID), count)
    client.conversation_get(REFERENCE_CONVERSATION_ID)
    hit = _timed(lambda: client.conversation_get(REFERENCE_CONVERSATION_ID), count)
    print(f"{'bare requests GET (no client)':48} {raw:8.3f} ms")
    print(f"{'client call, cache off (HTTP + parse + log)':48} {uncached:8.3f} ms")
    print(f"{'cache hit, local memory':48} {hit:8.3f} ms")

    latency = args.latency_ms
    simulator.backend.config.latency_ms = latency
    with override_settings(
        FLOWNALLY_CACHE_TTL_CONVERSATION=0,
        FLOWNALLY_CACHE_TTL_MESSAGES=0,
        FLOWNALLY_CACHE_TTL_DIRECTORY=0,
    ):
        one = _timed(lambda: client.conversation_get(REFERENCE_CONVERSATION_ID), 20)
        four = _timed(
            lambda: client.fan_out(
                lambda: client.conversation_get(REFERENCE_CONVERSATION_ID),
                lambda: client.conversation_messages(REFERENCE_CONVERSATION_ID),
                client.user_list,
                client.inbox_list,
            ),
            20,
        )
    print(f"{f'one call at {latency} ms upstream latency':48} {one:8.1f} ms")
    print(f"{'four calls fanned out':48} {four:8.1f} ms ({four / one:.2f} round trips)")

    caches["default"].clear()
    simulator.log.clear()
    barrier = threading.Barrier(50)

    def read() -> None:
        barrier.wait()
        client.conversation_get(REFERENCE_CONVERSATION_ID)

    threads = [threading.Thread(target=read) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    upstream = len(simulator.log.entries(route="GET /conversations/{id}"))
    print(f"{'50 concurrent identical reads, upstream requests':48} {upstream:8d}")
    simulator.backend.config.latency_ms = 0


if __name__ == "__main__":
    setup_django()
    sys.exit(main())
