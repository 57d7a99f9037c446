"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation,
and redis-py fills ~170 response callbacks into a fresh dict each time: about as much CPU as
the round trip itself, on every request (the session and the user are two cache reads).
A `redis.Redis` is safe to share between threads (its pool hands each command a connection).
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

# What a cache that is down raises (Redis refusing, a socket timing out): callers that can do
# without the cache suppress these and go on (a page rendered in full, a count from the database).
CACHE_DOWN = (ConnectionError, OSError, RedisError)


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
