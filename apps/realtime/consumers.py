"""The one WebSocket per browser tab, at /ws/.

Only a logged-in, active user gets a connection; the Origin check happens in the
router. The consumer owns the socket's own frames (`ping`, `watch`, `unwatch`) and routes
every other frame type to the feature that registered it (`frames`); a `ServiceError`
from any of them becomes an `error` frame, and the socket stays open.
"""

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.core.errors import ServiceError
from apps.core.observability import OPEN_SOCKETS

from . import topics
from .frames import FrameHandler, frame_handlers
from .groups import session_group, topic_group, user_group

logger = logging.getLogger(__name__)

MAX_WATCHED_TOPICS = 50

CLOSE_UNAUTHENTICATED = 4401
CLOSE_ACCOUNT_ENDED = 4403


class IntranetConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.account_groups = [user_group(user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            self.account_groups.append(session_group(session_key))
        self.watched: dict[str, tuple[str, int]] = {}  # topic name -> (kind, object id)
        for group in self.account_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        OPEN_SOCKETS.inc()
        self.counted = True
        await self.send_json({"type": "hello", "user": {"id": user.pk, "name": user.display_name}})
        self.handlers: list[FrameHandler] = [handler(self) for handler in frame_handlers()]
        self.routes = {frame_type: h for h in self.handlers for frame_type in h.frame_types}
        for handler in self.handlers:
            await handler.connect()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "counted", False):
            OPEN_SOCKETS.dec()
            self.counted = False
        for handler in getattr(self, "handlers", ()):
            try:
                await handler.disconnect()
            except Exception:
                logger.warning("a frame handler failed to clean up", exc_info=True)
        groups = [
            *getattr(self, "account_groups", []),
            *(topic_group(*t) for t in getattr(self, "watched", {}).values()),
        ]
        for group in groups:
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
        frame_type = content["type"]
        try:
            if frame_type == "ping":
                await self.send_json({"type": "pong"})
            elif frame_type in {"watch", "unwatch"}:
                await self.handle_watch(content)
            elif (handler := self.routes.get(frame_type)) is not None:
                await handler.receive(content)
            else:
                await self.send_error("unknown_type", f"Unknown frame type {frame_type[:50]!r}.")
        except ServiceError as error:
            await self.send_error(error.code, error.detail, retry_after=error.retry_after, errors=error.errors)

    async def handle_watch(self, content: dict) -> None:
        """Start or stop receiving a live topic (a feed, an idea board...), after a permission check."""
        parsed = topics.parse_topic(content.get("topic"))
        if parsed is None:
            await self.send_error("unknown_topic", "Unknown topic; use 'kind:id', e.g. 'board:5'.")
            return
        name = topics.topic_name(*parsed)
        if content["type"] == "unwatch":
            await self._stop_watching(name)
            await self.send_json({"type": "unwatched", "topic": name})
            return
        if len(self.watched) >= MAX_WATCHED_TOPICS and name not in self.watched:
            await self.send_error("too_many_topics", f"A socket can watch at most {MAX_WATCHED_TOPICS} topics.")
            return
        if not await database_sync_to_async(topics.can_watch)(self.scope["user"], *parsed):
            # The same answer for "missing" and "not yours".
            await self.send_error("unknown_topic", "There is no such topic, or you may not see it.")
            return
        self.watched[name] = parsed
        await self.channel_layer.group_add(topic_group(*parsed), self.channel_name)
        await self.send_json({"type": "watching", "topic": name})

    async def _stop_watching(self, name: str) -> None:
        parsed = self.watched.pop(name, None)
        if parsed is not None:
            await self.channel_layer.group_discard(topic_group(*parsed), self.channel_name)

    async def send_error(
        self, code: str, detail: str, *, retry_after: float | None = None, errors: dict | None = None
    ) -> None:
        frame: dict = {"type": "error", "code": code, "detail": detail}
        if retry_after is not None:
            frame["retry_after"] = retry_after
        if errors:
            frame["errors"] = errors
        await self.send_json(frame)

    # --- channel-layer events

    async def relay_frame(self, event: dict) -> None:
        """A frame a service built: pass it on unchanged (a topic's only while this socket still watches it)."""
        topic = event.get("topic")
        if topic is None or topic in self.watched:
            await self.send_json(event["frame"])

    async def rights_changed(self, event: dict) -> None:
        """The user's rights changed somewhere: drop every topic they may no longer watch."""
        user = self.scope["user"]
        watched = dict(self.watched)
        lost = await database_sync_to_async(_lost_topics)(user, watched)
        for name in lost:
            await self._stop_watching(name)
            await self.send_json({"type": "unwatched", "topic": name, "detail": "You no longer have access to this."})
        for handler in self.handlers:
            await handler.rights_changed()

    async def user_disconnect(self, event: dict) -> None:
        """The account was deactivated or logged out: end this socket now."""
        await self.close(code=CLOSE_ACCOUNT_ENDED)


def _lost_topics(user, watched: dict[str, tuple[str, int]]) -> list[str]:
    user.refresh_from_db(fields=["is_active"])
    return [name for name, parsed in watched.items() if not topics.can_watch(user, *parsed)]
