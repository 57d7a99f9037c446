"""Real /ws/ connections for chat tests: the project's ASGI app (Origin check, session auth) in-process."""

import asyncio

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
BACKEND = "apps.accounts.backends.ProfileModelBackend"
# Frames that arrive on their own schedule; most tests look past them.
BACKGROUND = frozenset({"chat.presence", "chat.typing", "notification", "chat.read", "chat.room_added"})


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client.cookies["sessionid"].value


class Socket:
    """One browser tab's /ws/ socket, with helpers that read frames the way the UI does."""

    def __init__(self, communicator: WebsocketCommunicator, user) -> None:
        self.communicator = communicator
        self.user = user
        self.seen: list[dict] = []

    async def send(self, frame) -> None:
        await self.communicator.send_json_to(frame)

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = 3) -> dict:
        frame = await self.communicator.receive_json_from(timeout=timeout)
        self.seen.append(frame)
        return frame

    async def next(self, *types: str, timeout: float = 3, skip=BACKGROUND) -> dict:
        """The next frame of one of `types` (any type if none), skipping background frames."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.receive(timeout=max(0.01, deadline - loop.time()))
            if types and frame["type"] in types:
                return frame
            if not types and frame["type"] not in skip:
                return frame
            if frame["type"] not in skip:
                raise AssertionError(f"expected {types}, got {frame}")

    async def error(self, timeout: float = 3) -> dict:
        frame = await self.next("error", timeout=timeout)
        assert {"type", "code", "detail"} <= set(frame) <= {"type", "code", "detail", "retry_after"}, frame
        assert frame["detail"], frame
        return frame

    async def subscribe(self, room_id: int, after: int | None = None, revision: int | None = None) -> list[dict]:
        """Subscribe and return the replayed message frames (up to `chat.subscribed`, which ends the list)."""
        frame = {"type": "subscribe", "room": room_id, "after": after}
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

    async def messages(self, count: int, timeout: float = 5) -> list[dict]:
        return [await self.next("chat.message", timeout=timeout) for _ in range(count)]

    async def nothing(self, timeout: float = 0.3, *, ignore=BACKGROUND) -> bool:
        """True if no frame other than background ones arrives within `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            if await self.communicator.receive_nothing(timeout=min(left, 0.05)):
                continue
            frame = await self.receive()
            if frame["type"] not in ignore:
                raise AssertionError(f"expected nothing, got {frame}")
        return True

    async def close(self) -> None:
        await self.communicator.disconnect()


async def open_socket(application, user, *, cookie: str | None = None, origin=ORIGIN) -> Socket:
    """Connect as `user` (a new browser session unless `cookie` is given) and read the hello frame."""
    if cookie is None:
        cookie = await database_sync_to_async(session_cookie)(user)
    headers = [origin, (b"cookie", f"sessionid={cookie}".encode())]
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    assert connected, f"socket refused with {code}"
    socket = Socket(communicator, user)
    hello = await socket.receive()
    assert hello["type"] == "hello" and hello["user"]["id"] == user.pk
    socket.cookie = cookie
    return socket
