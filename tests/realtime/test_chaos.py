"""Chaos (issue 10.7): two daphne processes, PostgreSQL, a private Redis, killed with SIGKILL while chat flows.

Senders resend each message with the same `client_id` until it is acknowledged; receivers
resubscribe with `after` = the newest id they saw whenever their socket goes. Meanwhile the
daphne processes and Redis are killed (`kill -9`) and started again (Redis empty). The
report: sent (acknowledged), stored, lost (acknowledged but not stored), duplicated (a
`client_id` stored twice), and per receiver the missing, duplicated and out-of-order
deliveries and the worst delay from storing to delivery.

The short form runs in CI (a few kills in ~15 s of chaos). bench/chaos.sh runs the full form
(CHAOS_SECONDS, CHAOS_SENDERS, CHAOS_RECEIVERS, CHAOS_RATE, CHAOS_REPORT) and records it in
BENCHMARKS.md "Chaos".
"""

import asyncio
import contextlib
import itertools
import json
import os
import random
import time
import uuid
from datetime import datetime

import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import ConnectionClosed

from apps.chat.models import Message
from tests.chat.servers import Daphne, daphne_env, start_all, stop_all
from tests.sockets import NetSocket, cookie_for

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("topology"),  # several server processes: one such test at a time on 2 cores
]

SECONDS = float(os.environ.get("CHAOS_SECONDS", 15))  # of chaos; then sending stops and receivers catch up
SENDERS = int(os.environ.get("CHAOS_SENDERS", 3))
RECEIVERS = int(os.environ.get("CHAOS_RECEIVERS", 4))
RATE = float(os.environ.get("CHAOS_RATE", 15))  # messages per second, all senders together
KILL_EVERY = float(os.environ.get("CHAOS_KILL_EVERY", 3))  # seconds between two kills
ACK_TIMEOUT = 3.0  # seconds a sender waits for its acknowledgement before resending
CATCH_UP = 45.0  # seconds receivers get to reach the last stored message


class Sender:
    """Sends `body`s one after another; each is resent (same client_id) until acknowledged."""

    def __init__(self, index: int, servers: list[Daphne], cookie: str, room: int) -> None:
        self.index, self.servers, self.room = index, servers, room
        self.socket = NetSocket(servers[index % 2], cookie)
        self.acked: dict[str, int] = {}  # client_id -> message id
        self.resends = 0

    async def _connect(self) -> None:
        delay = 0.2
        while True:
            server = random.choice(self.servers)  # any process will do, as behind a balancer
            try:
                await self.socket.connect(server)
                return
            except (OSError, ConnectionClosed, TimeoutError, AssertionError):
                await asyncio.sleep(delay)  # backoff, as socket.js does
                delay = min(delay * 2, 2)

    async def send_one(self, client_id: str, body: str) -> None:
        while True:
            try:
                if self.socket.connection is None or self.socket.connection.close_code is not None:
                    await self._connect()
                await self.socket.send({"type": "chat.send", "room": self.room, "body": body, "client_id": client_id})
                frame = await self.socket.receive_until(
                    lambda f: f["type"] == "chat.message" and f["message"].get("client_id") == client_id,
                    timeout=ACK_TIMEOUT,
                )
                self.acked[client_id] = frame["message"]["id"]
                return
            except (ConnectionClosed, OSError, TimeoutError):
                self.resends += 1
                with contextlib.suppress(Exception):
                    await self.socket.close()
                self.socket.connection = None

    async def run(self, until: float, interval: float, tag: str) -> None:
        loop = asyncio.get_running_loop()
        number = 0
        while loop.time() < until:
            number += 1
            await self.send_one(str(uuid.uuid4()), f"{tag} s{self.index} #{number}")
            await asyncio.sleep(interval)


class TimedSocket(NetSocket):
    """A NetSocket that notes how long after its storing each message first arrived (replays included)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.delays: dict[int, float] = {}

    async def receive(self, timeout: float = 5) -> dict:
        frame = await super().receive(timeout)
        if frame["type"] == "chat.message" and not frame.get("duplicate"):
            message = frame["message"]
            created = datetime.fromisoformat(message["created_at"]).timestamp()
            self.delays.setdefault(message["id"], time.time() - created)
        return frame


class Receiver:
    """Follows the room; whenever its socket goes, reconnects and resubscribes after the newest id seen."""

    def __init__(self, index: int, servers: list[Daphne], cookie: str, room: int, after: int) -> None:
        self.index, self.room, self.servers = index, room, servers
        self.socket = TimedSocket(servers[index % 2], cookie, max_queue=256)
        self.socket.last_id[room] = after
        self.reconnects = 0

    async def run(self) -> None:
        await self.socket.reconnect([self.room], within=60)
        while True:
            try:
                await self.socket.receive(timeout=60)  # records what arrives
            except TimeoutError:
                continue
            except (ConnectionClosed, OSError):
                self.reconnects += 1
                self.socket.server = random.choice(self.servers)  # as behind a balancer: any process
                await self.socket.reconnect([self.room], within=60)

    def report(self, stored: list[int]) -> dict:
        seen = self.socket.received.get(self.room, [])
        return {
            "received": len(seen),
            "missing": len(set(stored) - set(seen)),
            "duplicated": len(seen) - len(set(seen)),
            "out_of_order": sum(1 for a, b in itertools.pairwise(seen) if b < a),
            "worst_delay_s": round(max(self.socket.delays.values(), default=0.0), 2),
            "reconnects": self.reconnects,
        }


async def _chaos(servers: list[Daphne], redis, until: float) -> list[str]:
    """Kill -9 and restart, in turn: Redis (it comes back empty), process A, process B, ..."""
    loop = asyncio.get_running_loop()
    victims = [redis, servers[0], servers[1]]
    done = []
    while loop.time() + KILL_EVERY < until:
        await asyncio.sleep(KILL_EVERY)
        victim = victims[len(done) % len(victims)]
        if isinstance(victim, Daphne):
            victim.process.kill()
            victim.process.wait()
            await asyncio.to_thread(victim.start)
            done.append(victim.name)
        else:
            victim.kill()
            await asyncio.to_thread(victim.start)
            done.append("redis")
    return done


def _stored(room: int, tag: str) -> list[tuple[int, str]]:
    rows = Message.objects.filter(room_id=room, body__startswith=tag).order_by("id")
    return [(message_id, str(client_id)) for message_id, client_id in rows.values_list("id", "client_id")]


async def test_nothing_acknowledged_is_lost_or_doubled_and_every_receiver_sees_everything(
    tmp_path, own_redis, member, colleague, manager, sales_room
):
    env = daphne_env(redis_url=own_redis.url, workdir=tmp_path)
    servers = start_all([Daphne(f"daphne-{name}", env, tmp_path / f"daphne-{name}.log") for name in "ab"])
    room, tag = sales_room.pk, f"chaos-{uuid.uuid4().hex[:8]}"
    after = await database_sync_to_async(
        lambda: Message.objects.filter(room_id=room).order_by("-id").values_list("id", flat=True).first() or 0
    )()
    cast = [member, colleague, manager]
    tasks: list[asyncio.Task] = []
    try:
        receivers = [Receiver(i, servers, await cookie_for(cast[i % 3]), room, after) for i in range(RECEIVERS)]
        tasks = [asyncio.create_task(r.run()) for r in receivers]
        senders = [Sender(i, servers, await cookie_for(cast[i % 3]), room) for i in range(SENDERS)]
        loop = asyncio.get_running_loop()
        started = loop.time()
        until = started + SECONDS
        kills = asyncio.create_task(_chaos(servers, own_redis, until))
        await asyncio.gather(*(s.run(until, SENDERS / RATE, tag) for s in senders))
        killed = await kills

        stored = await database_sync_to_async(_stored)(room, tag)
        stored_ids = [message_id for message_id, _ in stored]
        deadline = loop.time() + CATCH_UP
        while any(r.socket.last_id.get(room, 0) < stored_ids[-1] for r in receivers) and loop.time() < deadline:
            await asyncio.sleep(0.2)  # receivers read on their own; this only waits for them to finish
        acked = {cid: mid for s in senders for cid, mid in s.acked.items()}
        client_ids = [cid for _, cid in stored]
        report = {
            "seconds": SECONDS,
            "senders": SENDERS,
            "receivers": RECEIVERS,
            "killed": killed,
            "sent": len(acked),
            "resends": sum(s.resends for s in senders),
            "stored": len(stored),
            "lost": len(set(acked) - set(client_ids)),
            "duplicated": len(client_ids) - len(set(client_ids)),
            "per_receiver": [r.report(stored_ids) for r in receivers],
        }
        if path := os.environ.get("CHAOS_REPORT"):
            with open(path, "a") as out:
                out.write(json.dumps(report) + "\n")
        print(json.dumps(report))
        assert killed, "the chaos killed nothing"
        assert report["sent"] > 0 and report["stored"] >= report["sent"]
        assert (report["lost"], report["duplicated"]) == (0, 0), report
        problems = [
            (i, r) for i, r in enumerate(report["per_receiver"]) if r["missing"] or r["duplicated"] or r["out_of_order"]
        ]
        assert not problems, report
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stop_all(servers)
