"""Chat frames on the /ws/ socket: a mixin for `apps.realtime.consumers.IntranetConsumer`.

A thin adapter: it validates frames, calls the services (through `database_sync_to_async`)
and the per-process hub, and turns every `ChatError` into an `error` frame, leaving the
socket open for the next frame. Live room frames do not pass through here at all: the hub
writes them straight to the socket.
"""

import time

from channels.db import database_sync_to_async

from . import selectors, services
from .access import ChatError, access_room
from .hub import get_hub

CHAT_FRAME_TYPES = frozenset(
    {"subscribe", "unsubscribe", "chat.send", "typing", "chat.edit", "chat.delete", "chat.read"}
)
MAX_SUBSCRIPTIONS = 500
TYPING_MIN_INTERVAL = 2.0  # seconds between two typing notices of one socket in one room


def _id_field(content: dict, key: str, what: str) -> int:
    value = content.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ChatError("bad_frame", f"'{key}' must be {what} id (a positive integer).")
    return value


def _optional_position(content: dict, key: str) -> int | None:
    value = content.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ChatError("bad_frame", f"'{key}' must be null or a non-negative integer.")
    return value


class ChatConsumerMixin:
    """Needs `scope["user"]`, `send_json`, `send_error` and `base_send` from the consumer."""

    chat_rooms: set[int]

    async def chat_connect(self) -> None:
        self.chat_rooms = set()
        self.chat_typing_sent: dict[int, float] = {}
        await get_hub().socket_opened(self.scope["user"])

    async def chat_disconnect(self) -> None:
        rooms = getattr(self, "chat_rooms", None)
        if rooms is None:
            return  # refused before chat started
        self.chat_rooms = set()
        await get_hub().socket_closed(self, self.scope["user"], tuple(rooms))

    async def chat_receive(self, content: dict) -> None:
        handler = {
            "subscribe": self.chat_subscribe,
            "unsubscribe": self.chat_unsubscribe,
            "chat.send": self.chat_send,
            "typing": self.chat_typing,
            "chat.edit": self.chat_edit,
            "chat.delete": self.chat_delete,
            "chat.read": self.chat_read,
        }[content["type"]]
        try:
            await handler(content)
        except ChatError as error:
            await self.send_error(error.code, error.detail)

    async def chat_subscribe(self, content: dict) -> None:
        user = self.scope["user"]
        room_id = _id_field(content, "room", "a room")
        after = _optional_position(content, "after")
        revision = _optional_position(content, "revision")
        if room_id not in self.chat_rooms and len(self.chat_rooms) >= MAX_SUBSCRIPTIONS:
            raise ChatError("too_many_rooms", f"A socket can follow at most {MAX_SUBSCRIPTIONS} rooms.")
        hub = get_hub()
        if not hub.serves(room_id):
            # Refuse before the process subscribes to a room nobody here reads yet. For rooms
            # it already serves, the hub's own check (after registering) is enough.
            await database_sync_to_async(access_room)(user, room_id)
        if room_id in self.chat_rooms:
            await hub.unsubscribe(self, room_id)  # subscribing again starts a fresh replay
        self.chat_rooms.add(room_id)
        try:
            await hub.subscribe(self, user, room_id, after, revision)
        except ChatError:
            self.chat_rooms.discard(room_id)
            raise

    async def chat_unsubscribe(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        if room_id in self.chat_rooms:
            self.chat_rooms.discard(room_id)
            await get_hub().unsubscribe(self, room_id)
        await self.send_json({"type": "chat.unsubscribed", "room": room_id})

    async def chat_send(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        message, created = await database_sync_to_async(services.message_send)(
            user=self.scope["user"], room_id=room_id, body=content.get("body"), client_id=content.get("client_id")
        )
        if not created:
            # A resend: the original, to this socket only. Nothing new was stored or broadcast.
            await self.send_json({**selectors.message_frame(message), "duplicate": True})
        elif room_id not in self.chat_rooms:
            await self.send_json(selectors.message_frame(message))  # subscribers get it from the hub

    async def chat_typing(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        if room_id not in self.chat_rooms:
            raise ChatError("not_subscribed", "Subscribe to the room before sending typing notices to it.")
        now = time.monotonic()
        if now - self.chat_typing_sent.get(room_id, 0.0) < TYPING_MIN_INTERVAL:
            return  # the others already know; a notice lasts longer than this
        self.chat_typing_sent[room_id] = now
        try:
            await get_hub().typing(room_id, self.scope["user"])
        except Exception as error:  # the channel layer is unreachable for a moment
            raise ChatError("unavailable", "Live updates are briefly unavailable; try again.") from error

    async def chat_edit(self, content: dict) -> None:
        message_id = _id_field(content, "message", "a message")
        message = await database_sync_to_async(services.message_edit)(
            user=self.scope["user"], message_id=message_id, body=content.get("body")
        )
        if message.room_id not in self.chat_rooms:
            await self.send_json(selectors.message_frame(message, "edit"))

    async def chat_delete(self, content: dict) -> None:
        message_id = _id_field(content, "message", "a message")
        message = await database_sync_to_async(services.message_delete)(user=self.scope["user"], message_id=message_id)
        if message.room_id not in self.chat_rooms:
            await self.send_json(selectors.message_frame(message, "delete"))

    async def chat_read(self, content: dict) -> None:
        room_id = _id_field(content, "room", "a room")
        message_id = _optional_position(content, "message")
        if message_id is None:
            raise ChatError("bad_frame", "'message' must be the id of the newest message read.")
        # Every socket of the user (this one included) gets a `chat.read` frame with the new count.
        await database_sync_to_async(services.room_mark_read)(
            user=self.scope["user"], room_id=room_id, message_id=message_id
        )

    async def chat_room_revoked(self, room_id: int, detail: str) -> None:
        """Called by the hub: the user may no longer read the room; nothing more comes for it."""
        if room_id in self.chat_rooms:
            self.chat_rooms.discard(room_id)
            await self.send_json({"type": "chat.removed", "room": room_id, "detail": detail})
