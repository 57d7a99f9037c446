"""Rolling restart behind nginx: each daphne restarted in turn while clients are connected and sending.

Readers and a sender are connected through nginx (wss://) to both processes; the sender sends a
steady stream (a short pause after each acknowledged message, until told to stop), each message
with a client id, and resends after a reconnect what it had no answer for (the server answers a
resend with the original, `duplicate`). The processes are restarted one at a time, as
`systemctl restart intranet-daphne@PORT` does (SIGTERM), each waiting until nginx sends it
requests again. A restarted process closes its sockets with 1001 ("going away",
apps/realtime/transport.py), not by dropping them. In the end every reader has every stored
message, once and in order, the room holds no duplicate, messages were acknowledged during each
restart, and nobody saw more than a reconnect per restarted process.
"""

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import ConnectionClosed

from apps.chat.models import Message, Room
from apps.realtime.transport import CLOSE_GOING_AWAY
from tests.sockets import cookie_for
from tests.topology.stack import TlsSocket

pytestmark = [
    pytest.mark.topology,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("topology"),
    pytest.mark.asyncio,
]

READERS = 4
# The sender paces itself so that it is still sending when the last restart ends, however fast
# the machine (unpaced, a quiet machine sent its bound of 400 before the first restart was over,
# and the test waited for acknowledgements that could not come).
PACE_S = 0.05
SAFETY_MAX = 5000  # a bound on the sender if the stop never comes (~4 minutes at PACE_S)
PROGRESS_TIMEOUT_S = 20


def close_code(error: ConnectionClosed) -> int:
    """The code of the close frame received; 1006 when the connection was dropped without one."""
    return error.rcvd.code if error.rcvd is not None else 1006


class Sender:
    def __init__(self, socket: TlsSocket, room_id: int) -> None:
        self.socket = socket
        self.room_id = room_id
        self.acked: dict[str, int] = {}
        self.reconnects = 0
        self.resends = 0
        self.close_codes: list[int] = []
        self.progress = asyncio.Event()

    async def send_one(self, index: int) -> None:
        client_id = str(uuid.uuid4())
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1:
                self.resends += 1
            try:
                await self.socket.send({"type": "chat.send", "room": self.room_id, "body": f"m{index}",
                                        "client_id": client_id})  # fmt: skip
                frame = await self.socket.receive_until(
                    lambda f: (
                        f["type"] == "error" or (f["type"] == "chat.message" and f["message"]["client_id"] == client_id)
                    ),
                    timeout=5,
                )
                if frame["type"] == "chat.message":
                    self.acked[client_id] = frame["message"]["id"]
                    self.progress.set()
                    return
                await asyncio.sleep(0.2)  # an error frame (the process is shutting down): back off, resend
            except (ConnectionClosed, TimeoutError, OSError) as error:
                if isinstance(error, ConnectionClosed):
                    self.close_codes.append(close_code(error))
                self.reconnects += 1
                await self.socket.reconnect([], within=20)

    async def run(self, stop: asyncio.Event) -> None:
        for index in range(SAFETY_MAX):
            if stop.is_set():
                return
            await self.send_one(index)
            await asyncio.sleep(PACE_S)  # pacing, not a wait for an event: the stream lasts until `stop`
        raise AssertionError(f"the sender reached its bound of {SAFETY_MAX} messages before being stopped")

    async def sent_more(self, count: int, sending: asyncio.Task) -> None:
        """Wait until `count` more messages have been acknowledged (fails at once if the sender ended)."""
        target = len(self.acked) + count
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PROGRESS_TIMEOUT_S
        while len(self.acked) < target:
            if sending.done():
                sending.result()  # its error, if it failed
                raise AssertionError(f"the sender stopped after {len(self.acked)} messages")
            self.progress.clear()
            progressed = asyncio.ensure_future(self.progress.wait())
            await asyncio.wait([progressed, sending], timeout=max(0.01, deadline - loop.time()),
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            progressed.cancel()
            if loop.time() > deadline and len(self.acked) < target:
                raise AssertionError(f"no {count} more acknowledgements within {PROGRESS_TIMEOUT_S} s")


class Reader:
    def __init__(self, socket: TlsSocket, room_id: int) -> None:
        self.socket = socket
        self.room_id = room_id
        self.reconnects = 0
        self.close_codes: list[int] = []

    async def run(self, done: asyncio.Event, last: list[int]) -> None:
        while not (done.is_set() and self.socket.last_id.get(self.room_id, 0) >= last[0]):
            try:
                await self.socket.next("chat.message", timeout=0.5)
            except TimeoutError:
                continue
            except ConnectionClosed as error:
                self.close_codes.append(close_code(error))
                self.reconnects += 1
                await self.socket.reconnect([self.room_id], within=20)


async def test_restarting_the_processes_one_at_a_time_loses_no_message(web_stack, member, manager, department):
    stack = web_stack
    room = await database_sync_to_async(Room.objects.get)(department=department)
    cookie = await cookie_for(member)
    readers = []
    for _ in range(READERS):
        socket = await TlsSocket(stack, cookie).connect()
        await socket.subscribe(room.pk, after=0)
        readers.append(Reader(socket, room.pk))
    sender = Sender(await TlsSocket(stack, await cookie_for(manager)).connect(), room.pk)

    stop, done, last = asyncio.Event(), asyncio.Event(), [0]
    reading = [asyncio.create_task(reader.run(done, last)) for reader in readers]
    sending = asyncio.create_task(sender.run(stop))
    acked_during_restarts = []
    try:
        await sender.sent_more(10, sending)
        for daphne in stack.daphnes:  # one at a time, clients connected and sending throughout
            before = len(sender.acked)
            await asyncio.to_thread(stack.restart, daphne)
            acked_during_restarts.append(len(sender.acked) - before)
            await sender.sent_more(10, sending)  # the restarted process is back and messages flow
        stop.set()
        await asyncio.wait_for(sending, 30)
        last[0] = max(sender.acked.values())
        done.set()
        try:
            await asyncio.wait_for(asyncio.gather(*reading), 30)
        except TimeoutError:
            seen = [(reader.socket.last_id.get(room.pk), reader.reconnects) for reader in readers]
            raise AssertionError(f"readers stuck before message {last[0]}: (last id, reconnects) {seen}") from None
    finally:
        for task in [*reading, sending]:
            task.cancel()

    stored = await database_sync_to_async(
        lambda: list(Message.objects.filter(room=room).order_by("id").values_list("id", flat=True))
    )()
    print(f"rolling restart: {len(stored)} messages ({acked_during_restarts} during the restarts), sender reconnects"
          f" {sender.reconnects} resends {sender.resends}, reader reconnects {[r.reconnects for r in readers]}")  # fmt: skip
    assert sorted(sender.acked.values()) == stored  # every acknowledged message stored once: no duplicate
    assert all(count > 0 for count in acked_during_restarts), acked_during_restarts  # sending went on throughout
    for reader in readers:
        assert reader.socket.received[room.pk] == stored  # every message, once, in order
        assert reader.reconnects <= len(stack.daphnes)  # at most a reconnect per restarted process
    assert sum(reader.reconnects for reader in readers) >= 1  # the restarts did close sockets
    assert sender.reconnects <= len(stack.daphnes)
    # Closed by the restarting process with a close frame (1001), not dropped as in a crash (1006).
    codes = [code for client in [*readers, sender] for code in client.close_codes]
    assert codes and set(codes) == {CLOSE_GOING_AWAY}, codes
    for reader in [*readers, sender]:
        await reader.socket.close()
