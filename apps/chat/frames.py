"""More chat frames on /ws/: reactions, pins, threads and notification levels.

A second frame handler beside `consumers.ChatFrames` (registered in `apps.py`), so the
socket's subscription machinery stays as it is: these frames write through the services,
whose changes reach every subscriber of the room through the hub like an edit, and answer
the reads (`chat.thread`, `chat.pins`) to this socket only.
"""

from typing import Any

from channels.db import database_sync_to_async

from apps.core.errors import Invalid
from apps.realtime.frames import FrameHandler

from . import selectors, services
from .access import access_message, access_room
from .consumers import ChatFrames, _id_field


def _thread_frame(user, message_id: int) -> dict:
    message = access_message(user, message_id)
    if message.parent_id is not None:  # asked for a reply: open its thread
        message = access_message(user, message.parent_id)
    replies = selectors.thread(message)
    payloads = selectors.messages_with_authors().filter(pk=message.pk)
    return {
        "type": "chat.thread",
        "room": message.room_id,
        "message": selectors.message_payload(payloads.get()),
        "replies": [selectors.message_payload(reply) for reply in replies],
    }


def _pins_frame(user, room_id: int) -> dict:
    room = access_room(user, room_id)
    return {
        "type": "chat.pins",
        "room": room.pk,
        "messages": [selectors.message_payload(message) for message in selectors.pinned(room)],
    }


class ChatExtraFrames(FrameHandler):
    frame_types = frozenset({"chat.react", "chat.pin", "chat.thread", "chat.pins", "chat.level"})

    def _subscribed(self, room_id: int) -> bool:
        return any(room_id in h.rooms for h in self.consumer.handlers if isinstance(h, ChatFrames))

    async def receive(self, content: dict) -> None:
        kind = content["type"]
        if kind == "chat.thread":
            message_id = _id_field(content, "message", "a message")
            await self.send_json(await database_sync_to_async(_thread_frame)(self.user, message_id))
        elif kind == "chat.pins":
            room_id = _id_field(content, "room", "a room")
            await self.send_json(await database_sync_to_async(_pins_frame)(self.user, room_id))
        elif kind == "chat.level":
            room_id = _id_field(content, "room", "a room")
            # Every socket of the user gets `chat.level` (sent by the service).
            await database_sync_to_async(services.room_set_level)(
                acting_user=self.user, room_id=room_id, level=content.get("level")
            )
        else:
            message_id = _id_field(content, "message", "a message")
            if kind == "chat.react":
                write: Any = services.message_react
                kwargs = {"emoji": content.get("emoji")}
            else:
                write = services.message_pin
                kwargs = {"pinned": content.get("pinned")}
                if not isinstance(kwargs["pinned"], bool):
                    raise Invalid("bad_frame", "'pinned' must be true or false.")
            message = await database_sync_to_async(write)(acting_user=self.user, message_id=message_id, **kwargs)
            if not self._subscribed(message.room_id):
                frame = await database_sync_to_async(selectors.message_frame)(message, "edit")
                await self.send_json(frame)
