"""Chat frames on the /ws/ socket: a frame handler registered with `apps.realtime` (see `apps.py`).

A thin adapter: it validates frames, calls the services (through `database_sync_to_async`)
and the per-process hub, and raises `ServiceError`s that the consumer turns into `error`
frames, leaving the socket open for the next frame. Live room frames do not pass through
here at all: the hub writes them straight to the socket.
"""

import logging
import time
from typing import Any

from channels.db import database_sync_to_async

from apps.core.errors import Conflict, Invalid, RateLimited, ServiceError, Unavailable
from apps.realtime.frames import FrameHandler

from . import selectors, services
from .access import access_room
from .hub import get_hub

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 500
# Per socket: what `subscribe` may cost in a window, counted as 1 per subscribe plus 1 per
# replayed message. A reconnect that resubscribes to every room fits easily; a loop of
# `subscribe` with `after: 0` on a big room is refused with `rate_limited` after a few.
SUBSCRIBE_BUDGET = 2000
SUBSCRIBE_WINDOW = 10.0  # seconds
TYPING_MIN_INTERVAL = 2.0  # seconds between two typing notices of one socket in one room


def _id_field(content: dict, key: str, what: str) -> int:
    value = content.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise Invalid("bad_frame", f"'{key}' must be {what} id (a positive integer).")
    return value


def _optional_position(content: dict, key: str) -> int | None:
    value = content.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise Invalid("bad_frame", f"'{key}' must be null or a non-negative integer.")
    return value


class ChatFrames(FrameHandler):
    """One socket's chat: the rooms it follows, and the frames that write."""

    frame_types = frozenset(
        {"subscribe", "unsubscribe", "chat.send", "typing", "chat.edit", "chat.delete", "chat.read"}
    )

    def __init__(self, consumer: Any) -> None:
        super().__init__(consumer)
        self.rooms: set[int] = set()
        self.typing_sent: dict[int, float] = {}
        self.started = False
        self.window_start = 0.0
        self.window_spent = 0

    @property
    def base_send(self) -> Any:
        """The socket's ASGI send, for the hub's direct writes."""
        return self.consumer.base_send

    async def connect(self) -> None:
        try:
            await get_hub().socket_opened(self.user)
        except Exception:  # noqa: BLE001 - Redis is away: presence is advisory; the hub starts on the next subscribe
            logger.warning("chat: presence of user %s not announced (channel layer unreachable)", self.user.pk)
        self.started = True

    async def disconnect(self) -> None:
        if not self.started:
            return  # refused before chat started
        rooms, self.rooms = tuple(self.rooms), set()
        await get_hub().socket_closed(self, self.user, rooms)

    async def receive(self, content: dict) -> None:
        handler = {
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "chat.send": self.send,
            "typing": self.typing,
            "chat.edit": self.edit,
            "chat.delete": self.delete,
            "chat.read": self.read,
        }[content["type"]]
        await handler(content)

    async def subscribe(self, content: dict) -> None:
        user = self.user
        room_id = _id_field(content, "room", "a room")
        after = _optional_position(content, "after")
        revision = _optional_position(content, "revision")
        if room_id not in self.rooms and len(self.rooms) >= MAX_SUBSCRIPTIONS:
            raise Invalid("too_many_rooms", f"A socket can follow at most {MAX_SUBSCRIPTIONS} rooms.")
        now = time.monotonic()
        if now - self.window_start >= SUBSCRIBE_WINDOW:
            self.window_start, self.window_spent = now, 0
        if self.window_spent >= SUBSCRIBE_BUDGET:
            retry_after = round(SUBSCRIBE_WINDOW - (now - self.window_start), 1)
            raise RateLimited(
                "rate_limited", "Too many subscriptions and replays; try again shortly.", retry_after=retry_after
            )
        hub = get_hub()
        if not hub.serves(room_id):
            # Refuse before the process subscribes to a room nobody here reads yet. For rooms
            # it already serves, the hub's own check (after registering) is enough.
            await database_sync_to_async(access_room)(user, room_id)
        if room_id in self.rooms:
            await hub.unsubscribe(self, room_id)  # subscribing again starts a fresh replay
        self.rooms.add(room_id)
        try:
            replayed = await hub.subscribe(self, user, room_id, after, revision)
        except ServiceError:
            self.rooms.discard(room_id)
            raise
        except Exception as error:  # the channel layer is unreachable for a moment
            self.rooms.discard(room_id)
            raise Unavailable("unavailable", "Live updates are briefly unavailable; try again.") from error
        except BaseException:
            self.rooms.discard(room_id)
            raise
        self.window_spent += 1 + replayed

    async def unsubscribe(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        if room_id in self.rooms:
            self.rooms.discard(room_id)
            await get_hub().unsubscribe(self, room_id)
        await self.send_json({"type": "chat.unsubscribed", "room": room_id})

    async def send(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        parent_id = _id_field(content, "parent", "a message") if content.get("parent") is not None else None
        message, created = await database_sync_to_async(services.message_send)(
            acting_user=self.user, room_id=room_id, body=content.get("body"), client_id=content.get("client_id"),
            confirm=content.get("confirm") is True, parent_id=parent_id,
        )  # fmt: skip
        if not created:
            # A resend: the original, to this socket only. Nothing new was stored or broadcast.
            await self.send_json({**selectors.message_frame(message), "duplicate": True})
        elif room_id not in self.rooms:
            await self.send_json(selectors.message_frame(message))  # subscribers get it from the hub

    async def typing(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        if room_id not in self.rooms:
            raise Conflict("not_subscribed", "Subscribe to the room before sending typing notices to it.")
        now = time.monotonic()
        if now - self.typing_sent.get(room_id, 0.0) < TYPING_MIN_INTERVAL:
            return  # the others already know; a notice lasts longer than this
        self.typing_sent[room_id] = now
        try:
            await get_hub().typing(room_id, self.user)
        except Exception as error:  # the channel layer is unreachable for a moment
            raise Unavailable("unavailable", "Live updates are briefly unavailable; try again.") from error

    async def edit(self, content: dict) -> None:
        message_id = _id_field(content, "message", "a message")
        message = await database_sync_to_async(services.message_edit)(
            acting_user=self.user, message_id=message_id, body=content.get("body")
        )
        if message.room_id not in self.rooms:
            await self.send_json(selectors.message_frame(message, "edit"))

    async def delete(self, content: dict) -> None:
        message_id = _id_field(content, "message", "a message")
        message = await database_sync_to_async(services.message_delete)(acting_user=self.user, message_id=message_id)
        if message.room_id not in self.rooms:
            await self.send_json(selectors.message_frame(message, "delete"))

    async def read(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        message_id = _optional_position(content, "message")
        if message_id is None:
            raise Invalid("bad_frame", "'message' must be the id of the newest message read.")
        # Every socket of the user (this one included) gets a `chat.read` frame with the new count.
        await database_sync_to_async(services.room_mark_read)(
            acting_user=self.user, room_id=room_id, message_id=message_id
        )

    async def chat_room_revoked(self, room_id: int, detail: str) -> None:
        """Called by the hub: the user may no longer read the room; nothing more comes for it."""
        if room_id in self.rooms:
            self.rooms.discard(room_id)
            await self.send_json({"type": "chat.removed", "room": room_id, "detail": detail})
