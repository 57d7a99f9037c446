"""A chat client over a real TCP WebSocket (the `websockets` library), as the scale-out tests use it."""

import asyncio
import json

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.chat.servers import Daphne

BACKGROUND = frozenset({"chat.presence", "chat.typing", "notification", "chat.read", "chat.room_added"})


class ChatClient:
    """A browser tab: a session cookie, a server, and what it has seen per room."""

    def __init__(self, server: Daphne, cookie: str, *, max_queue: int = 64) -> None:
        self.server = server
        self.cookie = cookie
        self.max_queue = max_queue
        self.connection: ClientConnection | None = None
        self.last_id: dict[int, int] = {}
        self.received: dict[int, list[int]] = {}

    async def connect(self, server: Daphne | None = None) -> "ChatClient":
        self.server = server or self.server
        self.connection = await connect(
            self.server.ws_url,
            origin=self.server.url,
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            compression=None,
            open_timeout=5,
            max_queue=self.max_queue,
        )
        hello = await self.next()
        assert hello["type"] == "hello", hello
        return self

    async def send(self, frame: dict) -> None:
        await self.connection.send(json.dumps(frame))

    async def next(self, *types: str, timeout: float = 5, skip=BACKGROUND) -> dict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), timeout=max(0.01, deadline - loop.time()))
            frame = json.loads(raw)
            self._track(frame)
            if (types and frame["type"] in types) or (not types and frame["type"] not in skip):
                return frame
            if frame["type"] not in skip:
                raise AssertionError(f"expected {types}, got {frame}")

    def _track(self, frame: dict) -> None:
        if frame["type"] == "chat.message" and not frame.get("duplicate"):
            room = frame["room"]
            self.received.setdefault(room, []).append(frame["message"]["id"])
            self.last_id[room] = max(self.last_id.get(room, 0), frame["message"]["id"])

    async def subscribe(self, room_id: int, after: int | None = 0) -> dict:
        await self.send({"type": "subscribe", "room": room_id, "after": after})
        return await self.next("chat.subscribed", skip=BACKGROUND | {"chat.message"})

    async def resubscribe(self, room_id: int) -> dict:
        return await self.subscribe(room_id, after=self.last_id.get(room_id, 0))

    async def messages_until(self, room_id: int, last_id: int, timeout: float = 15) -> list[int]:
        """Read until message `last_id` of the room has arrived; the ids received in this room so far."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.last_id.get(room_id, 0) < last_id:
            await self.next("chat.message", timeout=max(0.01, deadline - loop.time()))
        return self.received.get(room_id, [])

    async def wait_closed(self, timeout: float = 10) -> int | None:
        try:
            await asyncio.wait_for(self.connection.wait_closed(), timeout)
        except TimeoutError:
            return None
        return self.connection.close_code

    async def reconnect(self, room_ids: list[int], *, within: float = 30) -> None:
        """What socket.js does: retry with backoff until the server takes us back, then resubscribe with `after`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        delay = 0.2
        while True:
            try:
                await self.connect()
                for room_id in room_ids:
                    await self.resubscribe(room_id)
                return
            except (OSError, ConnectionClosed, TimeoutError, AssertionError) as error:
                if loop.time() > deadline:
                    raise AssertionError(f"could not reconnect within {within} s: {error!r}") from error
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
