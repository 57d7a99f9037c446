"""The Redis cache reuses its redis-py client (apps/core/cache.py): Django built one per operation."""

import contextvars
import threading

import pytest
from django.core.cache import caches
from redis.connection import Connection

from apps.core.cache import RedisCache


@pytest.mark.needs_redis
def test_the_redis_cache_builds_one_client_and_shares_it_between_threads(settings):
    assert settings.CACHES["default"]["BACKEND"] == "apps.core.cache.RedisCache"
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    first = cache._cache.get_client(write=True)
    seen = []

    def in_another_thread() -> None:
        cache.set("shared", 7)
        seen.append((cache.get("shared"), cache._cache.get_client(write=True)))

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert seen == [(7, first)] and cache._cache.get_client() is cache._cache.get_client()


@pytest.mark.needs_redis
def test_every_context_shares_the_process_pool_so_a_request_opens_no_redis_connection(monkeypatch):
    """Django keeps a cache backend per context (asgiref's Local), and daphne runs each request and
    handshake in a new one: each got a new pool and a new Redis connection, left open."""
    backends = [contextvars.Context().run(lambda: caches["default"]) for _ in range(3)]
    assert len({id(backend) for backend in backends}) == 3  # Django's handler: one per context
    pools = {id(backend._cache._get_connection_pool(True)) for backend in backends}
    assert len(pools) == 1

    opened = [0]
    original = Connection._connect

    def counting(self):
        opened[0] += 1
        return original(self)

    monkeypatch.setattr(Connection, "_connect", counting)
    for i in range(5):
        contextvars.Context().run(caches["default"].set, f"context-{i}", i)
    values = [contextvars.Context().run(caches["default"].get, f"context-{i}") for i in range(5)]
    assert values == [0, 1, 2, 3, 4]
    assert opened[0] <= 1  # at most the pool's first connection
