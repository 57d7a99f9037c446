"""Liveness and readiness probes for load balancers and process supervisors.

- Liveness (`/livez`): the process answers HTTP. No I/O at all, so it says nothing about
  the database or Redis; a supervisor restarts a process that fails it.
- Readiness (`/readyz`, and `/healthz`, its older name): the database answers `SELECT 1`
  and every Redis server a channel layer uses answers `PING`. A load balancer routes to a
  process only while it is ready.

Neither goes through the channel layer's `receive`: channels_redis reads a process-local
channel only while some consumer is receiving, so a probe that sent itself a message and
waited for it timed out on every process with an open WebSocket. The Redis probe opens a
connection of its own (not from a channel layer's pool, which sockets may have filled) and
the database probe runs in a thread of its own (not behind the sockets' database work),
each bounded by READY_TIMEOUT_SECONDS.
"""

import asyncio

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

READY_TIMEOUT_SECONDS = 0.5


def _database_ok() -> bool:
    # A thread of the default executor, not the request's: close its connection when done.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    finally:
        connection.close()


def redis_hosts() -> list[dict]:
    """The Redis servers of every configured channel layer (each once)."""
    from channels_redis.utils import decode_hosts

    hosts: dict[str, dict] = {}
    for config in getattr(settings, "CHANNEL_LAYERS", {}).values():
        if "hosts" in config.get("CONFIG", {}):
            for host in decode_hosts(config["CONFIG"]["hosts"]):
                hosts.setdefault(repr(sorted(host.items(), key=str)), host)
    return list(hosts.values())


async def _redis_ok(host: dict) -> bool:
    from redis import asyncio as aioredis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options = {
        "socket_timeout": READY_TIMEOUT_SECONDS,
        "socket_connect_timeout": READY_TIMEOUT_SECONDS,
        "retry": Retry(NoBackoff(), 0),
        "single_connection_client": True,
    }
    if "address" in host:
        client = aioredis.Redis.from_url(host["address"], **options)
    else:
        client = aioredis.Redis(host=host.get("host", "localhost"), port=host.get("port", 6379), **options)
    try:
        return bool(await client.ping())
    finally:
        await client.aclose()


async def _channel_layer_ok() -> bool:
    if get_channel_layer() is None:
        return False
    results = await asyncio.gather(*(_redis_ok(host) for host in redis_hosts()))
    return all(results)  # no Redis host: the in-memory layer of a single process, always there


async def _check(probe) -> str:
    try:
        ok = await asyncio.wait_for(probe, READY_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure means "not ready"; the reason is for logs, not callers
        return "error"
    return "ok" if ok else "error"


async def readiness() -> dict[str, str]:
    """`{"status", "database", "channel_layer"}`, each "ok" or "error"."""
    database, channel_layer = await asyncio.gather(
        _check(sync_to_async(_database_ok, thread_sensitive=False)()), _check(_channel_layer_ok())
    )
    status = "ok" if database == channel_layer == "ok" else "error"
    return {"status": status, "database": database, "channel_layer": channel_layer}
