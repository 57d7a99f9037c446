"""The Redis cache reuses its redis-py client (apps/core/cache.py): Django built one per operation."""

import threading

import pytest
from django.core.cache import caches

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
