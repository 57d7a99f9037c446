"""Django's Redis cache, with one redis-py client and pool per process instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation,
and redis-py fills ~170 response callbacks into a fresh dict each time: about as much CPU as
the round trip itself, on every request (the session and the user are two cache reads).

And Django's `caches` keeps a backend per *context* (asgiref's `Local`), each with pools of
its own. Under daphne every request and every WebSocket handshake runs in a new context, so
each made a new backend, a new pool and a new TCP connection to Redis (connect, HELLO,
CLIENT SETINFO, redis-py reading its version from the installed metadata): about 80 % of a
handshake's lookup, and connections left open until the garbage collector found them (100
requests, 100 more Redis clients). So the client, and with it the pool, is kept per process
for each set of servers and options. A `redis.Redis` is safe to share between threads (its
pool hands each command a connection of its own).
"""

import threading
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


_clients: dict[str, ReusingRedisCacheClient] = {}
_clients_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._client_key = repr((self._servers, sorted(self._options.items())))

    @property
    def _cache(self) -> ReusingRedisCacheClient:
        """The process's client for these servers and options, whichever context asks."""
        key = self._client_key
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.get(key)
                if client is None:
                    client = _clients[key] = self._class(self._servers, **self._options)
        return client
