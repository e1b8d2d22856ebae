"""Django's Redis cache backend, keeping one redis client per connection pool.

Django builds a new `redis.Redis` for every cache operation, and building one fills a
table of some 170 response callbacks: about 0.2 ms each time, which was most of what a
poll answered from the cache cost. A client is thread-safe (each command borrows a
connection from the pool), so one per pool serves every thread.
"""

from __future__ import annotations

from django.core.cache.backends import redis


class _Client(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:  # two threads may both build one; either will do
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _Client
