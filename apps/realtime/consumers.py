"""The one WebSocket per browser tab, at /ws/.

Only a logged-in, active user gets a connection; the Origin check happens in the
router. The consumer owns the socket's own frames (`ping`, `watch`, `unwatch`) and routes
every other frame type to the feature that registered it (`frames`); a `ServiceError`
from any of them becomes an `error` frame, and the socket stays open. Before a feature
frame is handled, the account and session are checked again (`still_signed_in`): the
user loaded at connect may have been logged out or deactivated since.
"""

import asyncio
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.sessions.models import Session
from django.db.models import Exists
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import ServiceError, Unavailable
from apps.core.observability import OPEN_SOCKETS

from . import memory, topics
from .frames import FrameHandler, frame_handlers
from .groups import group_add_many, group_discard_many, session_group, topic_group, user_group
from .handshake import handshake_done

logger = logging.getLogger(__name__)

MAX_WATCHED_TOPICS = 50

CLOSE_UNAUTHENTICATED = 4401
CLOSE_ACCOUNT_ENDED = 4403
# The largest frame a browser sends is a chat message (CHAT_MAX_BODY_LENGTH characters of
# markdown, JSON-escaped); anything bigger is closed with 4413 (like HTTP 413; applications
# may not send RFC 6455's 1009) before it is parsed. Above daphne's own limit (1 MB) autobahn
# closes with 1009 (apps.realtime.transport). Clients do not retry either.
MAX_FRAME_CHARS = 64 * 1024
CLOSE_TOO_BIG = 4413


class IntranetConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message: dict) -> None:
        """channels' dispatch without its thread hop per message (`aclose_old_connections`).

        That hop ran on the one thread all sockets share, for every handshake and frame: in a
        connect storm they queued behind each other there (issue 10.4). Every database call
        here goes through `database_sync_to_async`, which closes stale connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        try:
            await self._connect()
        finally:
            handshake_done(self.scope)

    async def _connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.account_groups = [user_group(user.pk)]
        session_key = self.session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            self.account_groups.append(session_group(session_key))
        self.watched: dict[str, tuple[str, int]] = {}  # topic name -> (kind, object id)
        if not await self._join_groups():
            # Redis is away: a degraded socket (frames work; live events once the layer is back,
            # see `channel_receive`) rather than a failed handshake.
            logger.warning("socket of user %s opened without live events (channel layer unreachable)", user.pk)
        await self.accept()
        OPEN_SOCKETS.inc()
        self.counted = True
        await self.send_json({"type": "hello", "user": {"id": user.pk, "name": user.display_name}})
        self.handlers: list[FrameHandler] = [handler(self) for handler in frame_handlers()]
        self.routes = {frame_type: h for h in self.handlers for frame_type in h.frame_types}
        for handler in self.handlers:
            await handler.connect()

    # --- surviving a channel-layer outage

    @property
    def channel_receive(self):  # channels sets this to `partial(layer.receive, channel)` and awaits it
        return self._receive_surviving_outages

    @channel_receive.setter
    def channel_receive(self, receive) -> None:
        self._layer_receive = receive

    async def _receive_surviving_outages(self) -> dict:
        """The layer's `receive`, retried while Redis is away (channels would end the socket with 1011).

        After a failure the socket joins its groups again before reading: a Redis that
        restarted empty forgot them. What was sent meanwhile is lost, as the layer is best
        effort; chat catches up from the database by revision.
        """
        delay = 0.5
        while True:
            try:
                return await self._layer_receive()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the layer's connection errors, whatever their class
                logger.warning("channel layer receive failed; retrying in %.1f s", delay)
            while True:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                if await self._join_groups():
                    break

    async def _join_groups(self) -> bool:
        watched = getattr(self, "watched", {})  # the layer may fail before `connect` ran
        groups = [*getattr(self, "account_groups", []), *(topic_group(*t) for t in watched.values())]
        try:
            await group_add_many(self.channel_layer, groups, self.channel_name)
        except Exception:  # noqa: BLE001
            return False
        return True

    async def disconnect(self, code: int) -> None:
        if getattr(self, "counted", False):
            OPEN_SOCKETS.dec()
            self.counted = False
            memory.socket_closed()
        for handler in getattr(self, "handlers", ()):
            try:
                await handler.disconnect()
            except Exception:
                logger.warning("a frame handler failed to clean up", exc_info=True)
        groups = [
            *getattr(self, "account_groups", []),
            *(topic_group(*t) for t in getattr(self, "watched", {}).values()),
        ]
        try:
            await group_discard_many(self.channel_layer, groups, self.channel_name)
        except Exception:  # Redis is away: the memberships expire (group_expiry)
            logger.debug("could not leave %s", groups, exc_info=True)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if text_data is None:
            await self.send_error("bad_frame", "Frames are JSON text.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
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
                if not await database_sync_to_async(still_signed_in)(self.scope["user"].pk, self.session_key):
                    await self.close(code=CLOSE_ACCOUNT_ENDED)  # logged out or deactivated, its close event lost
                    return
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
        try:
            await self.channel_layer.group_add(topic_group(*parsed), self.channel_name)
        except Exception as error:  # Redis is away
            raise Unavailable("unavailable", "Live updates are briefly unavailable; try again.") from error
        self.watched[name] = parsed
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
        """Rights changed (see `rights`): drop every topic the user may no longer watch (or just `topic`'s)."""
        user = self.scope["user"]
        topic = event.get("topic")
        if topic is None:
            watched = dict(self.watched)
        elif topic in self.watched:
            watched = {topic: self.watched[topic]}
        else:
            return
        lost = await database_sync_to_async(_lost_topics)(user, watched)
        for name in lost:
            await self._stop_watching(name)
            await self.send_json({"type": "unwatched", "topic": name, "detail": "You no longer have access to this."})
        if topic is None:
            for handler in self.handlers:
                await handler.rights_changed()

    async def user_disconnect(self, event: dict) -> None:
        """The account was deactivated or logged out: end this socket now."""
        await self.close(code=CLOSE_ACCOUNT_ENDED)


def still_signed_in(user_id: int, session_key: str | None) -> bool:
    """Is the account still active, and the socket's session not logged out? One query, per feature frame.

    The close event sent at logout and deactivation is best effort; this makes the end of
    access certain on every process once they have returned.
    """
    users = User.objects.filter(pk=user_id, is_active=True)
    if session_key:
        live = Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now())
        users = users.filter(Exists(live))
    return users.exists()


def _lost_topics(user, watched: dict[str, tuple[str, int]]) -> list[str]:
    user.refresh_from_db(fields=["is_active"])
    return [name for name, parsed in watched.items() if not topics.can_watch(user, *parsed)]
