"""The Redis cache backend while Redis is down or hung: every operation answers as an
empty cache, quickly, with one warning per outage, and Redis is used again once it is back.
A real redis-server of the test's own, killed (SIGKILL) and hung (SIGSTOP) for real."""

from __future__ import annotations

import logging
import time

import pytest
import redis
from django.core.cache import cache

from dashboard.core import cache_health
from dashboard.flownally.fanout import fan_out
from tests.support.waiting import until


def test_with_redis_killed_every_operation_answers_as_an_empty_cache(redis_cache):
    cache.set("kept", "before")
    redis_cache.kill()

    assert cache.get("kept") is None
    assert cache.get("kept", "fallback") == "fallback"
    assert cache.get_many(["kept", "other"]) == {}
    assert cache.get_or_set("computed", lambda: 42) == 42
    cache.set("new", 1)
    assert cache.set_many({"a": 1, "b": 2}) == []
    assert cache.has_key("kept") is False
    assert cache.touch("kept") is False
    assert cache.delete("kept") is False
    cache.delete_many(["a", "b"])
    with pytest.raises(ValueError):
        cache.incr("counter")
    # Nobody can coordinate: a lock or lease is the caller's alone (see the module).
    assert cache.add("lock", "mine") is True


def test_an_outage_is_logged_once_and_reported_down(redis_cache, caplog):
    redis_cache.kill()
    with caplog.at_level(logging.WARNING, logger="dashboard.core.redis_cache"):
        for _ in range(20):
            cache.get("anything")
            cache.set("anything", 1)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "unreachable" in warnings[0].getMessage()
    assert cache_health.unreachable()
    state, detail = cache_health.status()
    assert state == "down"
    assert "unreachable" in detail


def test_health_says_ok_while_redis_answers(redis_cache):
    assert cache_health.status() == ("ok", "Redis answers")
    assert not cache_health.unreachable()


def test_health_says_local_for_a_cache_in_this_process(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    state, _ = cache_health.status()
    assert state == "local"
    assert not cache_health.unreachable()


@pytest.mark.slow
def test_redis_restarted_on_its_port_is_used_again_without_a_restart(redis_cache, caplog):
    redis_cache.kill()
    cache.set("during", 1)
    assert cache.get("during") is None
    redis_cache.start()  # the same port
    with caplog.at_level(logging.WARNING, logger="dashboard.core.redis_cache"):
        # Within one retry interval (1 s here) writes land again.
        until(lambda: cache.add("after", "stored") and cache.get("after") == "stored", 5)
    assert cache.add("count", 1)
    assert cache.incr("count") == 2
    assert not cache_health.unreachable()
    assert any("back after" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_a_hung_redis_costs_one_short_timeout_per_interval_not_one_per_operation(redis_cache):
    redis_cache.hang()
    started = time.monotonic()
    for _ in range(100):
        assert cache.get("anything", "default") == "default"
    # Without skipping after a failure, 100 reads at a 0.5 s socket timeout take 50 s.
    assert time.monotonic() - started < 2
    state, _ = cache_health.status()
    assert state == "down"
    redis_cache.resume()
    until(lambda: cache_health.status()[0] == "ok", 5, "Redis resumed but is not used again")


@pytest.mark.slow
def test_writes_missed_during_an_outage_do_not_come_back_with_redis(redis_cache):
    """A sign-out (its session deleted) or a changed role (a generation moved on) during an
    outage must not be undone by what Redis still holds from before it."""
    cache.set("session", "signed in")
    cache.set("generation", 3)
    redis_cache.hang()  # Redis keeps its data, and answers nothing
    cache.delete("session")
    with pytest.raises(ValueError):
        cache.incr("generation")
    redis_cache.resume()
    until(lambda: cache_health.status()[0] == "ok", 5, "Redis resumed but is not used again")
    assert cache.get("session") is None
    assert cache.get("generation") == 4


def test_a_redis_that_cannot_write_is_served_around_not_a_500(redis_cache):
    """A primary demoted to a replica during a failover answers READONLY to every write,
    one out of memory OOM: both as an outage, not an error for every page."""
    import redis

    from dashboard.core.processes import free_port

    admin = redis.Redis.from_url(redis_cache.url)
    cache.set("kept", "before")
    admin.replicaof("127.0.0.1", free_port())  # a primary nobody runs: read-only for ever
    try:
        cache.set("new", "value")  # READONLY: no exception
        assert cache.add("lock", "mine") is True
        assert cache_health.status()[0] == "down"
    finally:
        admin.replicaof("NO", "ONE")
    until(lambda: cache_health.status()[0] == "ok", 10, "Redis was not used again")
    cache.set("new", "value")
    assert cache.get("new") == "value"


def test_fanned_out_reads_share_the_process_connections_to_redis(redis_cache, settings):
    # A fan-out call runs in a copy of its page's context, where Django builds a cache
    # backend of its own: each used to open (and drop) a connection to Redis.
    def read() -> object:
        return cache.get("anything")

    for _ in range(50):
        fan_out(read, read, read, read)

    stats = redis.Redis.from_url(redis_cache.url).info("stats")
    # The fan-out's threads, this thread, the fixture's probe and this very question.
    assert stats["total_connections_received"] <= settings.FLOWNALLY_FANOUT_WORKERS + 3
