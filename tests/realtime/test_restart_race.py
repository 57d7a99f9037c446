"""Restarting a process while its clients resubscribe concurrently and messages keep flowing.

A receivers' process is killed (SIGKILL) and started again several times while a sender on
another process sends steadily; after every restart all receivers reconnect at once and
subscribe with `after` = the newest id they saw. In the end every receiver has seen every
message exactly once, in order. Before the fix, a room's hub was handed to concurrent
subscribers before its stream position was read, and live messages up to that position
were dropped as "already applied" while no replay had them (issue 10.2).
"""

import asyncio
import contextlib
import os
import uuid

import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import ConnectionClosed

from apps.chat.models import Message
from tests.chat.servers import Daphne, daphne_env, start_all, stop_all
from tests.sockets import NetSocket, cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True), pytest.mark.needs_redis]

RESTARTS = 6
RECEIVERS = 6
SEND_INTERVAL = 0.03  # seconds: about 30 messages a second


async def _read(socket: NetSocket) -> None:
    """Read (and so record) frames until the connection goes."""
    with contextlib.suppress(ConnectionClosed, OSError):
        while True:
            with contextlib.suppress(TimeoutError):
                await socket.receive(timeout=60)


async def _resubscribe(socket: NetSocket, room_id: int) -> asyncio.Task:
    await socket.connect()
    await socket.send({"type": "subscribe", "room": room_id, "after": socket.last_id.get(room_id, 0)})
    return asyncio.create_task(_read(socket))


async def test_every_receiver_sees_every_message_once_across_restarts(tmp_path, member, colleague, manager, sales_room):
    env = daphne_env(redis_url=os.environ["REDIS_URL"], workdir=tmp_path)
    a, b = start_all([Daphne(f"daphne-{name}", env, tmp_path / f"daphne-{name}.log") for name in "ab"])
    room = sales_room.pk
    start_after = await database_sync_to_async(
        lambda: Message.objects.filter(room_id=room).order_by("-id").values_list("id", flat=True).first() or 0
    )()
    try:
        receivers = [NetSocket(b, await cookie_for((member, colleague)[i % 2])) for i in range(RECEIVERS)]
        for socket in receivers:
            socket.last_id[room] = start_after
        readers = await asyncio.gather(*(_resubscribe(socket, room) for socket in receivers))
        sender = await NetSocket(a, await cookie_for(manager)).connect()
        sending = True
        sent = 0

        async def send() -> None:
            nonlocal sent
            while sending:
                await sender.send({"type": "chat.send", "room": room, "body": "tick", "client_id": str(uuid.uuid4())})
                sent += 1
                await asyncio.sleep(SEND_INTERVAL)

        sender_task = asyncio.create_task(send())
        drain = asyncio.create_task(_read(sender))
        for _ in range(RESTARTS):
            await asyncio.sleep(0.5)
            b.process.kill()
            b.process.wait()
            for reader in readers:
                reader.cancel()
            b.start()
            readers = await asyncio.gather(*(_resubscribe(socket, room) for socket in receivers))
        await asyncio.sleep(0.5)
        sending = False
        await sender_task
        stored_since_start = database_sync_to_async(
            lambda: list(
                Message.objects.filter(room_id=room, id__gt=start_after).order_by("id").values_list("id", flat=True)
            )
        )
        # Every send is stored before the ids are compared: on a busy machine the sender's
        # process may still be working through its last frames for a while.
        deadline = asyncio.get_running_loop().time() + 20
        while len(stored := await stored_since_start()) < sent:
            assert asyncio.get_running_loop().time() < deadline, f"{len(stored)} of {sent} sends stored"
            await asyncio.sleep(0.1)
        assert len(stored) == sent > 100
        deadline = asyncio.get_running_loop().time() + 20
        while any(s.last_id.get(room) != stored[-1] for s in receivers):
            assert asyncio.get_running_loop().time() < deadline, (stored[-1], [s.last_id.get(room) for s in receivers])
            await asyncio.sleep(0.1)
        for index, socket in enumerate(receivers):
            seen = socket.received.get(room, [])
            missing = sorted(set(stored) - set(seen))
            duplicated = len(seen) - len(set(seen))
            assert (missing, duplicated) == ([], 0), f"receiver {index}: missing {missing}, {duplicated} duplicates"
            assert seen == sorted(seen), f"receiver {index}: out of order"
        for reader in (*readers, drain):
            reader.cancel()
    finally:
        stop_all([a, b])
