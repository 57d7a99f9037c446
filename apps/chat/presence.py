"""Who is online: a person with at least one open /ws/ socket, in any tab, in any process.

Each process counts its own sockets per user. With Redis, it also keeps those counts in
a hash of its own (`<prefix>:presence:<process id>`) that expires unless the process
heartbeats, so a crashed process stops counting after PRESENCE_TTL seconds; "is this
person online" asks the hashes of every live process. Without Redis (one process),
the local counts are the whole truth.
"""

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from . import selectors
from .transport import Outgoing

logger = logging.getLogger(__name__)

PRESENCE_TTL = 45  # seconds; the hub heartbeats every PRESENCE_HEARTBEAT
PRESENCE_HEARTBEAT = 15
PRESENCE_REDIS_CONNECTIONS = 16  # per process; writes are pipelined and short
PRESENCE_WRITE_DELAY = 0.05  # seconds: the counts changed meanwhile are written in one pipeline
PRESENCE_FLUSH_DELAY = 1.0  # presence changes in a room are batched into one frame per second
# Rooms with more readers get the number of people online, not the list: a list would make a
# reconnect storm in "All staff" cost O(readers²) bytes.
PRESENCE_LIST_LIMIT = 100


class LocalPresence:
    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()

    async def opened(self, user_id: int) -> bool:
        """Count a socket; True if it is the user's first in this process."""
        self.counts[user_id] += 1
        return self.counts[user_id] == 1

    async def closed(self, user_id: int) -> bool:
        """Uncount a socket; True if it was the user's last in this process."""
        if self.counts[user_id] <= 1:
            self.counts.pop(user_id, None)
            return True
        self.counts[user_id] -= 1
        return False

    async def online_among(self, user_ids: Iterable[int]) -> set[int]:
        return {user_id for user_id in user_ids if self.counts.get(user_id)}

    async def heartbeat(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisPresence(LocalPresence):
    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        from redis import asyncio as aioredis

        # A few connections that writers wait for, not one per concurrent write: with
        # redis-py's default pool a connect storm exhausted it and presence writes failed.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=PRESENCE_REDIS_CONNECTIONS, timeout=5, socket_timeout=5, socket_connect_timeout=2
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.process = uuid.uuid4().hex
        self.key = f"{prefix}:presence:{self.process}"
        self.processes_key = f"{prefix}:presence:processes"
        self.changed: set[int] = set()
        self.writer: asyncio.Task | None = None

    async def opened(self, user_id: int) -> bool:
        first = await super().opened(user_id)
        self._changed(user_id)
        return first

    async def closed(self, user_id: int) -> bool:
        last = await super().closed(user_id)
        self._changed(user_id)
        return last

    def _changed(self, user_id: int) -> None:
        """Write the user's count soon, with every other change of this moment, in one pipeline.

        One write per socket cost a Redis round trip per handshake (and at 1,000 handshakes in
        flight, a queue for the pool's connections); a storm now costs a write every
        PRESENCE_WRITE_DELAY. Readers of other processes ask PRESENCE_FLUSH_DELAY after a hint.
        """
        self.changed.add(user_id)
        if self.writer is None or self.writer.done():
            self.writer = asyncio.get_running_loop().create_task(self._write_changed())

    async def _write_changed(self) -> None:
        # Until none is left: a change made while a batch is being written finds this task
        # not done yet, starts no other, and would wait for the next change (or the heartbeat).
        while self.changed:
            await asyncio.sleep(PRESENCE_WRITE_DELAY)
            changed, self.changed = self.changed, set()
            counts = {str(user_id): self.counts[user_id] for user_id in changed if self.counts.get(user_id)}
            gone = [str(user_id) for user_id in changed if not self.counts.get(user_id)]
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    if counts:
                        pipe.hset(self.key, mapping=counts)
                    if gone:
                        pipe.hdel(self.key, *gone)
                    pipe.expire(self.key, PRESENCE_TTL)
                    pipe.zadd(self.processes_key, {self.process: time.time() + PRESENCE_TTL})
                    await pipe.execute()
            except Exception:  # noqa: BLE001 - presence is advisory; the heartbeat rewrites the hash when Redis is back
                logger.warning("chat presence: Redis unavailable, presence of %d people not shared", len(changed))

    async def online_among(self, user_ids: Iterable[int]) -> set[int]:
        ids = [int(user_id) for user_id in user_ids]
        online = await super().online_among(ids)
        if not ids:
            return online
        try:
            processes = await self.redis.zrangebyscore(self.processes_key, time.time(), "+inf")
            others = [p.decode() for p in processes if p.decode() != self.process]
            if others:
                fields = [str(user_id) for user_id in ids]
                async with self.redis.pipeline(transaction=False) as pipe:
                    for process in others:
                        pipe.hmget(f"{self.key.rsplit(':', 1)[0]}:{process}", fields)
                    for values in await pipe.execute():
                        online.update(user_id for user_id, value in zip(ids, values, strict=True) if value)
        except Exception:  # noqa: BLE001 - fall back to what this process knows
            logger.warning("chat presence: Redis unavailable, showing this process's sockets only")
        return online

    async def heartbeat(self) -> None:
        """Rewrite this process's hash from its counts (repairs writes lost while Redis was away)."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(self.key)
                if self.counts:
                    pipe.hset(self.key, mapping={str(k): v for k, v in self.counts.items()})
                    pipe.expire(self.key, PRESENCE_TTL)
                pipe.zadd(self.processes_key, {self.process: time.time() + PRESENCE_TTL})
                pipe.zremrangebyscore(self.processes_key, "-inf", time.time())
                await pipe.execute()
        except Exception:  # noqa: BLE001
            logger.warning("chat presence: heartbeat failed (Redis unavailable)")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
        try:
            await self.redis.delete(self.key)
            await self.redis.zrem(self.processes_key, self.process)
            await self.redis.aclose()
            await self.redis.connection_pool.disconnect()
        except Exception:  # shutting down; the hash expires by itself
            logger.debug("chat presence: could not remove this process's entry", exc_info=True)


def make_presence() -> LocalPresence:
    if settings.REDIS_URL:
        return RedisPresence(settings.REDIS_URL, settings.CHAT_REDIS_PREFIX)
    return LocalPresence()


class RoomPresence:
    """Who of a room's readers is online, for the sockets of this process that follow the room.

    A part of `hub.RoomHub` (which provides `hub`, `room_id` and `subscribers`): presence
    hints from every process arrive as events, are batched, checked against the presence
    store, and sent as `chat.presence` frames.
    """

    hub: Any
    room_id: int
    subscribers: dict
    online: dict[int, str] | None
    list_presence: bool
    member_ids: set[int]
    pending_presence: dict[int, str]
    presence_flush: asyncio.Task | None

    def _note_presence(self, user_id: int, name: str) -> None:
        if self.online is None or user_id not in self.member_ids:
            return  # nobody here asked who is online yet, or not a reader of this room
        self.pending_presence[user_id] = name
        if self.presence_flush is None or self.presence_flush.done():
            self.presence_flush = asyncio.get_running_loop().create_task(self._flush_presence())

    async def _flush_presence(self) -> None:
        await asyncio.sleep(PRESENCE_FLUSH_DELAY)
        pending, self.pending_presence = self.pending_presence, {}
        if self.online is None or not pending:
            return
        online_now = await self.hub.presence.online_among(pending)
        came = [{"id": u, "name": n} for u, n in pending.items() if u in online_now and u not in self.online]
        gone = [u for u in pending if u not in online_now and u in self.online]
        for user in came:
            self.online[user["id"]] = user["name"]
        for user_id in gone:
            del self.online[user_id]
        if came or gone:
            await self._send_presence(came, gone)

    async def _send_presence(self, came: list[dict], gone: list[int]) -> None:
        frame = {
            "type": "chat.presence",
            "room": self.room_id,
            "full": False,
            "online": came if self.list_presence else [],
            "offline": gone if self.list_presence else [],
            "count": len(self.online or ()),
            "listed": self.list_presence,
        }
        out = Outgoing.frame(frame)
        for sub in tuple(self.subscribers.values()):
            if sub.live:
                try:
                    await sub.write(out)
                except Exception:
                    logger.debug("chat hub: send failed", exc_info=True)

    async def presence_snapshot(self) -> dict:
        if self.online is None:
            member_ids = await database_sync_to_async(self._member_ids)()
            self.member_ids = set(member_ids)
            online_ids = await self.hub.presence.online_among(member_ids)
            list_presence = len(member_ids) <= PRESENCE_LIST_LIMIT
            if list_presence:
                online = await database_sync_to_async(selectors.user_names)(online_ids)
            else:
                online = dict.fromkeys(online_ids, "")
            if self.online is None:
                self.online, self.list_presence = online, list_presence
        return {
            "type": "chat.presence",
            "room": self.room_id,
            "full": True,
            "online": [{"id": u, "name": n} for u, n in self.online.items()] if self.list_presence else [],
            "offline": [],
            "count": len(self.online),
            "listed": self.list_presence,
        }

    def _member_ids(self) -> list[int]:
        from .models import Room

        room = Room.objects.select_related("department").filter(pk=self.room_id).first()
        return selectors.room_member_ids(room) if room else []

    async def recheck_presence(self) -> None:
        """Repair what hints missed: new readers, people a crashed process left marked online."""
        if self.online is None:
            return
        self.member_ids = set(await database_sync_to_async(self._member_ids)())
        online_now = await self.hub.presence.online_among(self.member_ids)
        gone = [user_id for user_id in self.online if user_id not in online_now]
        came = [user_id for user_id in online_now if user_id not in self.online]
        names = await database_sync_to_async(selectors.user_names)(came) if came and self.list_presence else {}
        for user_id in gone:
            del self.online[user_id]
        for user_id in came:
            self.online[user_id] = names.get(user_id, "")
        if came or gone:
            await self._send_presence([{"id": u, "name": self.online[u]} for u in came], gone)
