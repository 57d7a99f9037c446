"""Who is online: a person with at least one open /ws/ socket, in any tab, in any process.

Each process counts its own sockets per user. With Redis, it also keeps those counts in
a hash of its own (`<prefix>:presence:<process id>`) that expires unless the process
heartbeats, so a crashed process stops counting after PRESENCE_TTL seconds; "is this
person online" asks the hashes of every live process. Without Redis (one process),
the local counts are the whole truth.
"""

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable

from django.conf import settings

logger = logging.getLogger(__name__)

PRESENCE_TTL = 45  # seconds; the hub heartbeats every PRESENCE_HEARTBEAT
PRESENCE_HEARTBEAT = 15


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

        self.redis = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self.process = uuid.uuid4().hex
        self.key = f"{prefix}:presence:{self.process}"
        self.processes_key = f"{prefix}:presence:processes"

    async def opened(self, user_id: int) -> bool:
        first = await super().opened(user_id)
        await self._write(user_id)
        return first

    async def closed(self, user_id: int) -> bool:
        last = await super().closed(user_id)
        await self._write(user_id)
        return last

    async def _write(self, user_id: int) -> None:
        count = self.counts.get(user_id, 0)
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                if count:
                    pipe.hset(self.key, str(user_id), count)
                else:
                    pipe.hdel(self.key, str(user_id))
                pipe.expire(self.key, PRESENCE_TTL)
                pipe.zadd(self.processes_key, {self.process: time.time() + PRESENCE_TTL})
                await pipe.execute()
        except Exception:  # noqa: BLE001 - presence is advisory; the heartbeat rewrites the hash when Redis is back
            logger.warning("chat presence: Redis unavailable, presence of user %s not shared", user_id)

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
        try:
            await self.redis.delete(self.key)
            await self.redis.zrem(self.processes_key, self.process)
            await self.redis.aclose()
        except Exception:  # shutting down; the hash expires by itself
            logger.debug("chat presence: could not remove this process's entry", exc_info=True)


def make_presence() -> LocalPresence:
    if settings.REDIS_URL:
        return RedisPresence(settings.REDIS_URL, settings.CHAT_REDIS_PREFIX)
    return LocalPresence()
