"""The channel layers the settings name: channels_redis's, with pools that wait instead of failing.

redis-py's asyncio `ConnectionPool` raises "Too many connections" as soon as every
connection is in use; channels_redis creates exactly that pool. In a reconnect storm each
handshake in flight borrowed a connection for its group joins, so at 1,000+ concurrent
handshakes the pool ran out and sockets failed (issue 10.4). Here:

- both layers get a `BlockingConnectionPool`: a command waits (up to `pool_timeout`) for a
  connection of a bounded pool; nothing is ever refused for want of a connection;
- `group_add_many` joins one channel to several groups (a socket's user and session
  groups), and the joins (and leaves) of all the sockets that connect (or close) at the same
  moment travel together: one pipeline per shard for every join queued while the previous
  pipeline was in flight (`_Batches`). In a reconnect storm that is one round trip per batch
  of sockets instead of one per socket (each a pool checkout, a pipeline and its replies in
  Python on the event loop).

The one place that knows channels_redis's internals (`create_pool`, `_group_key`,
`connection`, `consistent_hash`, pubsub's module-level `create_pool`): re-check it, with
apps/realtime/transport.py, when upgrading channels_redis.
"""

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable

from channels_redis import core, pubsub
from redis import asyncio as aioredis

DEFAULT_POOL_TIMEOUT = 10.0  # seconds a command may wait for a connection before failing
MAX_BATCH = 500  # sockets' joins (or leaves) per pipeline

Membership = tuple[list[str], str]  # groups, channel


class _Batches:
    """Memberships queued by concurrent sockets, written together by one task per event loop.

    The first request starts a writer; every request queued while it waits on Redis goes into
    its next pipeline. A failed pipeline fails every request in it (their sockets open
    degraded, as when one join failed alone).
    """

    def __init__(self, write: Callable[[list[Membership]], Awaitable[None]]) -> None:
        self.write = write
        self.pending: list[tuple[Membership, asyncio.Future]] = []
        self.writer: asyncio.Task | None = None

    def submit(self, membership: Membership) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.pending.append((membership, done))
        if self.writer is None or self.writer.done():
            self.writer = loop.create_task(self._drain())
        return done

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            try:
                await self.write([membership for membership, _ in batch])
            except Exception as error:  # noqa: BLE001 - handed to every socket of the batch
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Per event loop (like channels_redis's own connections): a test may run several loops.
        self._adds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._discards: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _batches(self, per_loop: weakref.WeakKeyDictionary, write) -> _Batches:
        loop = asyncio.get_running_loop()
        if loop not in per_loop:
            per_loop[loop] = _Batches(write)
        return per_loop[loop]

    async def group_add_many(self, groups: Iterable[str], channel: str) -> None:
        """`group_add` for several groups, batched with other sockets' joins (`_Batches`)."""
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        groups = list(groups)
        for group in groups:
            assert self.require_valid_group_name(group), "Group name not valid"
        await self._batches(self._adds, self._write_adds).submit((groups, channel))

    async def group_discard_many(self, groups: Iterable[str], channel: str) -> None:
        """`group_discard` for several groups, batched with other sockets' leaves."""
        await self._batches(self._discards, self._write_discards).submit((list(groups), channel))

    def _by_shard(self, memberships: list[Membership]) -> dict[int, list[tuple[str, str]]]:
        by_shard: dict[int, list[tuple[str, str]]] = {}
        for groups, channel in memberships:
            for group in groups:
                by_shard.setdefault(self.consistent_hash(group), []).append((self._group_key(group), channel))
        return by_shard

    async def _write_adds(self, memberships: list[Membership]) -> None:
        now = time.time()
        for index, keys in self._by_shard(memberships).items():
            async with self.connection(index).pipeline(transaction=False) as pipe:
                for key, channel in keys:
                    pipe.zadd(key, {channel: now})
                for key in {key for key, _ in keys}:
                    pipe.expire(key, self.group_expiry)
                await pipe.execute()

    async def _write_discards(self, memberships: list[Membership]) -> None:
        for index, keys in self._by_shard(memberships).items():
            async with self.connection(index).pipeline(transaction=False) as pipe:
                for key, channel in keys:
                    pipe.zrem(key, channel)
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
