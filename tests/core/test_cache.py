"""The Redis cache reuses its redis-py client (apps/core/cache.py): Django built one per operation.

Its async reads run on the event loop.
"""

import asyncio
import contextvars
import threading

import pytest
from django.core.cache import caches
from redis.connection import Connection

from apps.core.cache import CACHE_DOWN, RedisCache


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


@pytest.mark.needs_redis
def test_the_async_reads_see_what_the_sync_writes_stored_from_the_event_loop(thread_hops):
    """`aget` and `aget_many` talk to Redis from the loop (Django's run `get` on the one sync thread)."""
    cache = caches["default"]
    cache.set("async-read:dict", {"a": [1, 2]})
    cache.set("async-read:int", 41)  # stored unpickled, as Django's serializer does for ints
    cache.set("async-read:versioned", "two", version=2)

    async def reads():
        return (
            await cache.aget("async-read:dict"),
            await cache.aget("async-read:int"),
            await cache.aget("async-read:absent", "default"),
            await cache.aget("async-read:versioned", version=2),
            await cache.aget("async-read:versioned"),
            await cache.aget_many(["async-read:dict", "async-read:absent", "async-read:int"]),
            await cache.aget_many([]),
        )

    expected = ({"a": [1, 2]}, 41, "default", "two", None, {"async-read:dict": {"a": [1, 2]}, "async-read:int": 41}, {})
    assert asyncio.run(reads()) == expected
    assert asyncio.run(reads()) == expected  # a second loop: a client of its own (connections belong to a loop)
    assert thread_hops == []

    async def loops_kept() -> list:
        await cache.aget("async-read:int")
        return [(loop is asyncio.get_running_loop(), loop.is_closed()) for loop in cache._cache._async_clients]

    kept = asyncio.run(loops_kept())
    assert (True, False) in kept  # this loop's client ...
    assert not any(closed for _, closed in kept)  # ... and none of the closed loops' (three ran before)


def test_with_redis_away_the_async_reads_raise_what_a_cache_that_is_down_raises():
    cache = RedisCache("redis://127.0.0.1:9/0", {})  # nothing listens on port 9
    with pytest.raises(CACHE_DOWN):
        asyncio.run(cache.aget("anything"))
