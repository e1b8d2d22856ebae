"""A Redis of the test's own, and the dashboard's cache pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.redis_server import RedisServer


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(own_redis: RedisServer, settings) -> RedisServer:
    """The dashboard's default cache on `own_redis`, as CACHE_URL=redis://… configures it
    (short timeouts; a one-second retry interval so tests wait little)."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.core.redis_cache.RedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    settings.CACHE_RETRY_SECONDS = 1
    caches["default"].clear()
    return own_redis
