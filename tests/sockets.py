"""Test clients for the one /ws/ socket, both reading frames the way the UI does.

- `open_socket(application, user)`: in-process, through channels' WebsocketCommunicator and the
  project's ASGI app (Origin check, session auth, consumer, hub, channel layer); no network.
- `NetSocket(server, cookie).connect()`: a real TCP WebSocket (the `websockets` library) to a
  live daphne (tests/chat/servers.py), for tests with several server processes.

Every read waits for the frame itself, up to a timeout, so no test needs to sleep:
`receive()` is the next frame; `next(*types)` the next frame of those types, past BACKGROUND
frames and failing on any other; `receive_until(match)` the first matching frame, past anything;
`nothing()` is silence (but for background frames) for a while; `closed()` the server's close code.
A timeout never harms the socket, so a test may read again after one.
"""

import asyncio
import json
from collections.abc import Callable, Container
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from apps.realtime.declarations import check_frame

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
BACKEND = "apps.accounts.backends.ProfileModelBackend"
# Frames that arrive on their own schedule; most tests look past them.
BACKGROUND = frozenset({"chat.presence", "chat.typing", "notification", "chat.read", "chat.room_added"})
TIMEOUT = 5  # seconds; only a failing test waits this long


def declared(frame: dict) -> dict:
    """Every frame a test socket receives must match its declaration in some app's events.py."""
    check_frame(frame)
    return frame


def session_cookie(user) -> str:
    """A new browser session for `user` (the value of its `sessionid` cookie)."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client.cookies["sessionid"].value


async def cookie_for(user) -> str:
    return await database_sync_to_async(session_cookie)(user)


class Socket:
    """The reading helpers both clients share; a subclass says how to send, read one frame and close."""

    async def send_text(self, text: str) -> None:
        raise NotImplementedError

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        """The next frame; TimeoutError if none comes in time (the socket stays usable)."""
        raise NotImplementedError

    async def closed(self, timeout: float = TIMEOUT) -> int | None:
        """Wait until the server closes the socket, reading past any frame; its close code."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def send(self, frame: Any) -> None:
        await self.send_text(json.dumps(frame))

    async def receive_until(
        self, match: str | Callable[[dict], bool], *, timeout: float = TIMEOUT, ignore: Container[str] | None = None
    ) -> dict:
        """The first frame that matches (a frame type, or a predicate on the frame).

        Frames read on the way are dropped; with `ignore` given, only frames of those types may be.
        """
        matches = (lambda frame: frame["type"] == match) if isinstance(match, str) else match
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.receive(timeout=max(0.01, deadline - loop.time()))
            if matches(frame):
                return frame
            if ignore is not None and frame["type"] not in ignore:
                raise AssertionError(f"expected {match}, got {frame}")

    async def next(self, *types: str, timeout: float = TIMEOUT, skip: Container[str] = BACKGROUND) -> dict:
        """The next frame of one of `types` (of any type not in `skip` if none), past `skip` frames only."""
        if types:
            return await self.receive_until(lambda frame: frame["type"] in types, timeout=timeout, ignore=skip)
        return await self.receive_until(lambda frame: frame["type"] not in skip, timeout=timeout, ignore=skip)

    async def error(self, timeout: float = TIMEOUT) -> dict:
        frame = await self.next("error", timeout=timeout)
        assert frame["code"] and frame["detail"], frame
        return frame

    async def nothing(self, timeout: float = 0.3, *, ignore: Container[str] = BACKGROUND) -> bool:
        """True if no frame (but `ignore`d ones) arrives within `timeout`: a check that something does not happen."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            try:
                frame = await self.receive(timeout=left)
            except TimeoutError:
                return True
            if frame["type"] not in ignore:
                raise AssertionError(f"expected nothing, got {frame}")
        return True

    async def subscribe(self, room_id: int, after: int | None = None, revision: int | None = None) -> list[dict]:
        """Subscribe and return the replayed frames, up to `chat.subscribed`, which ends the list."""
        frame: dict[str, Any] = {"type": "subscribe", "room": room_id, "after": after}
        if revision is not None:
            frame["revision"] = revision
        await self.send(frame)
        frames = []
        while True:
            frame = await self.next()
            if frame["type"] == "error":
                raise AssertionError(f"subscribe failed: {frame}")
            frames.append(frame)
            if frame["type"] == "chat.subscribed":
                return frames

    async def messages(self, count: int, timeout: float = TIMEOUT) -> list[dict]:
        return [await self.next("chat.message", timeout=timeout) for _ in range(count)]


class AppSocket(Socket):
    """One browser tab's socket on the in-process ASGI app."""

    def __init__(self, communicator: WebsocketCommunicator, user, cookie: str | None) -> None:
        self.communicator = communicator
        self.user = user
        self.cookie = cookie
        self.hello: dict = {}

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def _output(self, timeout: float) -> dict:
        # Not communicator.receive_output(): on a timeout it cancels the application.
        try:
            return await asyncio.wait_for(self.communicator.output_queue.get(), timeout)
        except TimeoutError:
            if self.communicator.future.done():
                self.communicator.future.result()  # the consumer crashed: raise its error instead
            raise

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        output = await self._output(timeout)
        if output["type"] == "websocket.close":
            raise AssertionError(f"the server closed the socket: {output}")
        return declared(json.loads(output["text"]))

    async def closed(self, timeout: float = TIMEOUT) -> int | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            output = await self._output(max(0.01, deadline - loop.time()))
            if output["type"] == "websocket.close":
                return output.get("code")

    async def close(self) -> None:
        await self.communicator.disconnect()


def _headers(cookie: str | None, origin: tuple[bytes, bytes] | None) -> list[tuple[bytes, bytes]]:
    headers = [origin] if origin else []
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return headers


async def open_socket(application, user, *, cookie: str | None = None, origin=ORIGIN) -> AppSocket:
    """Connect as `user` (in a new browser session unless `cookie` is given) and read the hello frame."""
    if cookie is None:
        cookie = await cookie_for(user)
    communicator = WebsocketCommunicator(application, "/ws/", headers=_headers(cookie, origin))
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert connected, f"socket refused with {code}"
    socket = AppSocket(communicator, user, cookie)
    socket.hello = await socket.receive()
    assert socket.hello["type"] == "hello" and socket.hello["user"]["id"] == user.pk, socket.hello
    return socket


async def refusal(application, *, cookie: str | None = None, origin=ORIGIN) -> int | None:
    """Try to connect, and expect to be refused: the close code of the refusal."""
    communicator = WebsocketCommunicator(application, "/ws/", headers=_headers(cookie, origin))
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert not connected, "the socket was accepted"
    return code


class Server(Protocol):
    url: str
    ws_url: str


class NetSocket(Socket):
    """A browser tab on a live server: a session cookie, a server, and the chat messages it has seen per room."""

    def __init__(self, server: Server, cookie: str, *, max_queue: int = 64) -> None:
        self.server = server
        self.cookie = cookie
        self.max_queue = max_queue
        self.connection: ClientConnection | None = None
        self.last_id: dict[int, int] = {}
        self.received: dict[int, list[int]] = {}

    async def connect(self, server: Server | None = None) -> "NetSocket":
        self.server = server or self.server
        self.connection = await connect(
            self.server.ws_url,
            origin=self.server.url,
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            compression=None,
            open_timeout=TIMEOUT,
            max_queue=self.max_queue,
        )
        hello = await self.receive()
        assert hello["type"] == "hello", hello
        return self

    async def send_text(self, text: str) -> None:
        await self.connection.send(text)

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        # Cancelling recv() loses nothing (websockets documents it), so a timeout is harmless.
        frame = declared(json.loads(await asyncio.wait_for(self.connection.recv(), timeout)))
        if frame["type"] == "chat.message" and not frame.get("duplicate"):
            room = frame["room"]
            self.received.setdefault(room, []).append(frame["message"]["id"])
            self.last_id[room] = max(self.last_id.get(room, 0), frame["message"]["id"])
        return frame

    async def closed(self, timeout: float = TIMEOUT) -> int | None:
        await asyncio.wait_for(self.connection.wait_closed(), timeout)
        return self.connection.close_code

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    async def messages_until(
        self, room_id: int, last_id: int, timeout: float = 15, *, rejoin: bool = False
    ) -> list[int]:
        """Read until message `last_id` of the room has arrived; the ids received in the room so far.

        With `rejoin`, a socket the server closes meanwhile reconnects and resubscribes, as socket.js does.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.last_id.get(room_id, 0) < last_id:
            try:
                await self.next("chat.message", timeout=max(0.01, deadline - loop.time()))
            except ConnectionClosed:
                if not rejoin:
                    raise
                await self.reconnect([room_id], within=max(0.01, deadline - loop.time()))
        return self.received.get(room_id, [])

    async def reconnect(self, room_ids: list[int], *, within: float = 30) -> None:
        """Retry with backoff until the server takes us back, then resubscribe after the last id seen."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        delay = 0.2
        while True:
            try:
                await self.connect()
                for room_id in room_ids:
                    await self.subscribe(room_id, after=self.last_id.get(room_id, 0))
                return
            except (OSError, ConnectionClosed, TimeoutError, AssertionError) as error:
                if loop.time() > deadline:
                    raise AssertionError(f"could not reconnect within {within} s: {error!r}") from error
                # The backoff between attempts (socket.js's), not a wait for an event: the attempt is the poll.
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2)
