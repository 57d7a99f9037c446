"""The channel layers the settings name: channels_redis's, with pools that wait instead of failing.

redis-py's asyncio `ConnectionPool` raises "Too many connections" as soon as every
connection is in use; channels_redis creates exactly that pool. In a reconnect storm each
handshake in flight borrowed a connection for its group joins, so at 1,000+ concurrent
handshakes the pool ran out and sockets failed (issue 10.4). Here:

- both layers get a `BlockingConnectionPool`: a command waits (up to `pool_timeout`) for a
  connection of a bounded pool; nothing is ever refused for want of a connection;
- `group_add_many` joins one channel to several groups in one round trip (a socket's user
  and session groups: 1 round trip instead of 4 per connect).

The one place that knows channels_redis's internals (`create_pool`, `_group_key`,
`connection`, `consistent_hash`, pubsub's module-level `create_pool`): re-check it, with
apps/realtime/transport.py, when upgrading channels_redis.
"""

import time
from collections.abc import Iterable

from channels_redis import core, pubsub
from redis import asyncio as aioredis

DEFAULT_POOL_TIMEOUT = 10.0  # seconds a command may wait for a connection before failing


def create_bounded_pool(host: dict) -> aioredis.BlockingConnectionPool:
    """channels_redis's `create_pool` for an `address` host, with a pool that waits when it is full."""
    if "address" not in host:  # sentinels or host/port: channels_redis's own pool
        return core.create_pool(host)
    host = dict(host)
    address = host.pop("address")
    host.setdefault("max_connections", 50)
    host["timeout"] = host.pop("pool_timeout", DEFAULT_POOL_TIMEOUT)
    return aioredis.BlockingConnectionPool.from_url(address, **host)


class RedisChannelLayer(core.RedisChannelLayer):
    def create_pool(self, index: int) -> aioredis.BlockingConnectionPool:
        return create_bounded_pool(self.hosts[index])

    async def group_add_many(self, groups: Iterable[str], channel: str) -> None:
        """`group_add` for several groups, pipelined: one round trip per shard."""
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        by_shard: dict[int, list[str]] = {}
        for group in groups:
            assert self.require_valid_group_name(group), "Group name not valid"
            by_shard.setdefault(self.consistent_hash(group), []).append(group)
        now = time.time()
        for index, shard_groups in by_shard.items():
            async with self.connection(index).pipeline(transaction=False) as pipe:
                for group in shard_groups:
                    key = self._group_key(group)
                    pipe.zadd(key, {channel: now})
                    pipe.expire(key, self.group_expiry)
                await pipe.execute()

    async def group_discard_many(self, groups: Iterable[str], channel: str) -> None:
        """`group_discard` for several groups, pipelined: one round trip per shard."""
        by_shard: dict[int, list[str]] = {}
        for group in groups:
            by_shard.setdefault(self.consistent_hash(group), []).append(group)
        for index, shard_groups in by_shard.items():
            async with self.connection(index).pipeline(transaction=False) as pipe:
                for group in shard_groups:
                    pipe.zrem(self._group_key(group), channel)
                await pipe.execute()


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    """The pub/sub layer; its shards create their pools through the module-level function patched below."""

    async def group_add_many(self, groups: Iterable[str], channel: str) -> None:
        for group in groups:
            await self.group_add(group, channel)

    async def group_discard_many(self, groups: Iterable[str], channel: str) -> None:
        for group in groups:
            await self.group_discard(group, channel)


pubsub.create_pool = create_bounded_pool
