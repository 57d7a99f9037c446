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

Django's async reads (`aget`, `aget_many`) run the sync ones on the one thread all of a
process's thread-sensitive work shares: a WebSocket handshake asked for its session there
(or on a pool of threads) only to wait for Redis. Here they talk to Redis from the event
loop, through a redis.asyncio client kept per loop (its connections belong to the loop that
opened them), with a bounded pool that makes a storm of handshakes wait for a connection
rather than open one each. The other async methods stay Django's.
"""

import asyncio
import threading
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

# What a cache that is down raises (Redis refusing, a socket timing out): callers that can do
# without the cache suppress these and go on (a page rendered in full, a count from the database).
CACHE_DOWN = (ConnectionError, OSError, RedisError)

ASYNC_MAX_CONNECTIONS = 50  # per event loop: enough to overlap a storm's reads, never one per socket
ASYNC_POOL_TIMEOUT = 10  # seconds a read waits for a free connection before it fails (and the database answers)


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._async_clients: dict[asyncio.AbstractEventLoop, dict[int, Any]] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def _async_client(self) -> Any:
        """The running loop's redis.asyncio client for reads (the server `get_client` reads from)."""
        from redis import asyncio as redis_asyncio

        loop = asyncio.get_running_loop()
        index = self._get_connection_pool_index(False)
        clients = self._async_clients.get(loop)
        if clients is None:
            # A loop's connections hold the loop: a weak mapping would keep both forever. Loops
            # that have closed (a test's, an `async_to_sync` call's) are forgotten instead.
            with _clients_lock:
                for closed in [other for other in self._async_clients if other.is_closed()]:
                    del self._async_clients[closed]
                clients = self._async_clients[loop] = {}
        client = clients.get(index)
        if client is None:
            options = {name: value for name, value in self._pool_options.items() if name != "parser_class"}
            pool = redis_asyncio.BlockingConnectionPool.from_url(
                self._servers[index], max_connections=ASYNC_MAX_CONNECTIONS, timeout=ASYNC_POOL_TIMEOUT, **options
            )
            client = clients[index] = redis_asyncio.Redis(connection_pool=pool)
        return client

    async def aget(self, key: str, default: Any) -> Any:
        value = await self._async_client().get(key)
        return default if value is None else self._serializer.loads(value)

    async def aget_many(self, keys: Iterable[str]) -> dict:
        keys = list(keys)
        if not keys:
            return {}
        values = await self._async_client().mget(keys)
        found = zip(keys, values, strict=True)
        return {key: self._serializer.loads(value) for key, value in found if value is not None}


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

    async def aget(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return await self._cache.aget(self.make_and_validate_key(key, version=version), default)

    async def aget_many(self, keys: Iterable[Any], version: Any = None) -> dict:
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = await self._cache.aget_many(key_map)
        return {key_map[key]: value for key, value in found.items()}
