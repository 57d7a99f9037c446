"""The one WebSocket per browser tab, at /ws/.

Only a logged-in, active user gets a connection; the Origin check happens in the
router. Features add their frame types here as thin adapters over their services.
"""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.accounts.services import session_group_name, user_group_name
from apps.chat.consumers import CHAT_FRAME_TYPES, ChatConsumerMixin

from . import topics

MAX_WATCHED_TOPICS = 50

CLOSE_UNAUTHENTICATED = 4401
CLOSE_ACCOUNT_ENDED = 4403


class IntranetConsumer(ChatConsumerMixin, AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.account_groups = [user_group_name(user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            self.account_groups.append(session_group_name(session_key))
        self.watched: set[str] = set()
        for group in self.account_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": {"id": user.pk, "name": user.display_name}})
        await self.chat_connect()

    async def disconnect(self, code: int) -> None:
        await self.chat_disconnect()
        for group in [*getattr(self, "account_groups", []), *getattr(self, "watched", set())]:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if text_data is None:
            await self.send_error("bad_frame", "Frames are JSON text.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self.send_error("bad_json", "The frame is not valid JSON.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_frame", "A frame is a JSON object with a string 'type'.")
            return
        if content["type"] == "ping":
            await self.send_json({"type": "pong"})
            return
        if content["type"] in {"watch", "unwatch"}:
            await self.handle_watch(content)
            return
        if content["type"] in CHAT_FRAME_TYPES:
            await self.chat_receive(content)
            return
        await self.send_error("unknown_type", f"Unknown frame type {content['type'][:50]!r}.")

    async def handle_watch(self, content: dict) -> None:
        """Start or stop receiving a live topic (a feed, an idea board...), after a permission check."""
        parsed = topics.parse_topic(content.get("topic"))
        if parsed is None:
            await self.send_error("unknown_topic", "Unknown topic; use 'kind:id', e.g. 'board:5'.")
            return
        group = topics.topic_group(*parsed)
        if content["type"] == "unwatch":
            self.watched.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)
            await self.send_json({"type": "unwatched", "topic": content["topic"]})
            return
        if len(self.watched) >= MAX_WATCHED_TOPICS and group not in self.watched:
            await self.send_error("too_many_topics", f"A socket can watch at most {MAX_WATCHED_TOPICS} topics.")
            return
        if not await database_sync_to_async(topics.can_watch)(self.scope["user"], *parsed):
            # The same answer for "missing" and "not yours".
            await self.send_error("unknown_topic", "There is no such topic, or you may not see it.")
            return
        self.watched.add(group)
        await self.channel_layer.group_add(group, self.channel_name)
        await self.send_json({"type": "watching", "topic": content["topic"]})

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def relay_frame(self, event: dict) -> None:
        """A frame a service built for this user's sockets: pass it on unchanged."""
        await self.send_json(event["frame"])

    async def user_disconnect(self, event: dict) -> None:
        """The account was deactivated or logged out: end this socket now."""
        await self.close(code=CLOSE_ACCOUNT_ENDED)
