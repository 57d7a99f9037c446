"""The per-process chat hub: one channel-layer subscription per room, whatever its readers.

The tutorial pattern gives every socket its own channel and group membership, so one
message becomes N channel-layer messages, N consumer dispatches (each with a thread hop)
and N JSON encodings. Here, each process (each event loop) has one hub with one channel;
the hub joins the group of every room that a local socket subscribed to and receives each
room event once. The sender already encoded the frame (`text`), so delivering it to the
local subscribers is just the socket writes, the same text for all of them.

Ordering and loss. Every room event carries the room revision `rev` it created
(`services.streams.next_revision`). The hub applies events in revision order; when it sees a
gap (an event lost by the channel layer: a full channel, Redis restarting, a partition)
or its periodic check finds the database ahead, it reads what it missed from the
database and delivers that instead. Each subscriber remembers the newest message id it
was sent, so nothing is delivered twice. A subscriber joins in "replaying" state: live
events are buffered while its replay is read from the database, then the buffer is
drained, skipping what the replay already contained.

Around it: `transport` writes frames to sockets (the only module that knows daphne's and
autobahn's internals) and `presence` keeps who is online (its store, and the part of a
room's hub that sends `chat.presence`).
"""

import asyncio
import logging
import time
import weakref
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from apps.core.errors import NotFound

from . import selectors
from .access import UNKNOWN_ROOM, access_room
from .presence import PRESENCE_HEARTBEAT, LocalPresence, RoomPresence, make_presence
from .services.streams import chat_layer_alias
from .transport import Outgoing, asgi_send, daphne_protocol, write

logger = logging.getLogger(__name__)

NEW, UPDATE = 0, 1
PRESENCE_RECHECK_INTERVAL = 30.0
EMPTY_ROOM_LINGER = 30.0  # keep the subscription of a room nobody reads for a while (tab reloads)
PRESENCE_GROUP = "chat.presence"  # every hub joins it: "users N, M came or went", one event per process
PRESENCE_HINT_DELAY = 0.05  # seconds: the hints of this long travel together


class Subscriber:
    __slots__ = ("buffer", "consumer", "floor_rev", "last_id", "live", "protocol", "send", "user_id")

    def __init__(self, consumer: Any, user_id: int) -> None:
        self.consumer = consumer
        self.send = asgi_send(consumer)
        self.protocol = daphne_protocol(self.send)
        self.user_id = user_id
        self.live = False
        self.last_id = 0
        self.floor_rev = 0
        self.buffer: deque = deque()

    async def write(self, out: Outgoing) -> None:
        await write(self.send, self.protocol, out)


def _message_out(message) -> Outgoing:
    return Outgoing.frame(selectors.message_frame(message))


def _update_out(message) -> Outgoing:
    return Outgoing.frame(selectors.message_frame(message, "delete" if message.is_deleted else "edit"))


class RoomHub(RoomPresence):
    """One room's stream in this process: its position, its local subscribers, its presence."""

    def __init__(self, hub: "Hub", room_id: int) -> None:
        self.hub = hub
        self.room_id = room_id
        self.group = selectors.room_group(room_id)
        self.subscribers: dict[Any, Subscriber] = {}
        self.rev = 0
        self.last_id = 0
        self.lock = asyncio.Lock()
        self.empty_since: float | None = None
        self.online: dict[int, str] | None = None  # who of the room's readers is online, once asked
        self.list_presence = True  # False for big rooms: counts only
        self.member_ids: set[int] = set()  # the room's readers, loaded with the first presence snapshot
        self.pending_presence: dict[int, str] = {}
        self.presence_flush: asyncio.Task | None = None
        self.lag_target: int | None = None  # a revision the database had at the last check, not yet seen here
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()  # done once `rev` is the position

    # --- the stream

    async def handle(self, event: dict) -> None:
        kind = event.get("kind")
        if kind == "typing":
            await self._deliver_signal(event["user"], event["text"])
            return
        if kind == "presence":
            for user_id, name in event.get("hints") or [[event["user"], event["name"]]]:
                self._note_presence(user_id, name)
            return
        async with self.lock:
            if kind == "close":
                await self._drop_all("The room was deleted.")
                return
            rev = event.get("rev", 0)
            if rev <= self.rev:
                return  # already applied (by a catch-up)
            if rev != self.rev + 1:
                await self.catch_up()  # something before it was lost: the database has it all
                return
            self.rev = rev
            if kind == "message":
                await self._deliver_new(event["id"], Outgoing(event["text"]))
            elif kind in ("edit", "delete"):
                await self._deliver_update(rev, Outgoing(event["text"]))
            elif kind == "revoke":
                await self._remove_users(set(event["users"]), "You no longer have access to this room.")

    async def _deliver_new(self, message_id: int, out: Outgoing) -> None:
        if message_id <= self.last_id:
            return
        self.last_id = message_id
        for sub in tuple(self.subscribers.values()):
            if not sub.live:
                sub.buffer.append((NEW, message_id, 0, out))
            elif message_id > sub.last_id:
                sub.last_id = message_id
                try:
                    await sub.write(out)
                except Exception:  # one broken socket must not stop the others
                    logger.debug("chat hub: send failed", exc_info=True)

    async def _deliver_update(self, rev: int, out: Outgoing) -> None:
        for sub in tuple(self.subscribers.values()):
            if not sub.live:
                sub.buffer.append((UPDATE, 0, rev, out))
            elif rev > sub.floor_rev:
                try:
                    await sub.write(out)
                except Exception:  # one broken socket must not stop the others
                    logger.debug("chat hub: send failed", exc_info=True)

    async def _deliver_signal(self, user_id: int, text: str) -> None:
        out = Outgoing(text)
        for sub in tuple(self.subscribers.values()):
            if sub.live and sub.user_id != user_id:
                try:
                    await sub.write(out)
                except Exception:
                    logger.debug("chat hub: send failed", exc_info=True)

    async def catch_up(self) -> None:
        """Read from the database what this process missed, deliver it in order, re-check access.

        Called with `self.lock` held.
        """
        while True:
            user_ids = sorted({sub.user_id for sub in self.subscribers.values()})
            changes = await database_sync_to_async(selectors.changes_since)(
                self.room_id, revision=self.rev, last_id=self.last_id, user_ids=user_ids
            )
            if not changes.exists:
                await self._drop_all("The room was deleted.")
                return
            if lost := set(user_ids) - changes.readers:
                await self._remove_users(lost, "You no longer have access to this room.")
            for message in changes.new:
                if message.is_deleted:
                    self.last_id = max(self.last_id, message.pk)
                else:
                    await self._deliver_new(message.pk, _message_out(message))
            for message in changes.updated:
                await self._deliver_update(message.revision, _update_out(message))
            self.rev = max(self.rev, changes.revision)
            if changes.complete:
                return

    async def _remove_users(self, user_ids: set[int], detail: str) -> None:
        for consumer, sub in tuple(self.subscribers.items()):
            if sub.user_id in user_ids:
                await self._remove(consumer, detail)
        self.member_ids -= user_ids
        if self.online is not None:
            gone = [user_id for user_id in user_ids if user_id in self.online]
            for user_id in gone:
                del self.online[user_id]
            if gone:
                await self._send_presence([], gone)

    async def _drop_all(self, detail: str) -> None:
        for consumer in tuple(self.subscribers):
            await self._remove(consumer, detail)

    async def _remove(self, consumer: Any, detail: str) -> None:
        if self.subscribers.pop(consumer, None) is None:
            return
        self._mark_if_empty()
        try:
            await consumer.chat_room_revoked(self.room_id, detail)
        except Exception:
            logger.debug("chat hub: could not tell a consumer it lost a room", exc_info=True)

    def _mark_if_empty(self) -> None:
        if not self.subscribers and self.empty_since is None:
            self.empty_since = time.monotonic()


class Hub:
    """The chat hub of one event loop (one per daphne process; one per test in tests)."""

    def __init__(self) -> None:
        self.layer = get_channel_layer(chat_layer_alias())
        self.channel: str | None = None
        self.rooms: dict[int, RoomHub] = {}
        self.presence: LocalPresence = make_presence()
        self.start_lock = asyncio.Lock()
        self.membership_lock = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []
        self.pending_hints: dict[int, str] = {}  # user id -> name, for the next presence hint
        self.hint_sender: asyncio.Task | None = None

    async def start(self) -> None:
        if self.channel is not None:
            return
        async with self.start_lock:
            if self.channel is None:
                channel = await self.layer.new_channel()
                await self._join(PRESENCE_GROUP, channel)
                loop = asyncio.get_running_loop()
                self.tasks = [loop.create_task(self._receive_loop()), loop.create_task(self._tick_loop())]
                self.channel = channel

    async def _receive_loop(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer reconnects; what was missed is caught up by revision
                logger.warning("chat hub: channel layer receive failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            if event.get("kind") == "presence":
                hints = event.get("hints") or [[event["user"], event["name"]]]  # a batch, or one (older processes)
                for room in tuple(self.rooms.values()):
                    for user_id, name in hints:
                        room._note_presence(user_id, name)
                continue
            room = self.rooms.get(event.get("room"))
            if room is None:
                continue
            try:
                await room.handle(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("chat hub: could not handle an event of room %s", room.room_id)

    async def _tick_loop(self) -> None:
        """Every CHAT_SYNC_INTERVAL: catch up rooms the database says are ahead, re-join groups, heartbeat."""
        last_heartbeat = last_recheck = time.monotonic()
        while True:
            await asyncio.sleep(settings.CHAT_SYNC_INTERVAL)
            try:
                await self.sync()
                now = time.monotonic()
                if now - last_heartbeat >= PRESENCE_HEARTBEAT:
                    last_heartbeat = now
                    await self.presence.heartbeat()
                if now - last_recheck >= PRESENCE_RECHECK_INTERVAL:
                    last_recheck = now
                    for room in tuple(self.rooms.values()):
                        await room.recheck_presence()
            except asyncio.CancelledError:
                raise
            except Exception:  # try again at the next tick
                logger.warning("chat hub: periodic sync failed", exc_info=True)

    async def sync(self) -> None:
        rooms = tuple(self.rooms.values())
        if not rooms:
            return
        revisions = await database_sync_to_async(selectors.room_revisions)([room.room_id for room in rooms])
        for room in rooms:
            revision = revisions.get(room.room_id)
            if revision is None or (room.lag_target is not None and room.rev < room.lag_target):
                # Still behind what the database had one interval ago: the events were lost.
                async with room.lock:
                    await room.catch_up()
                room.lag_target = None
            elif revision > room.rev:
                room.lag_target = revision  # probably in flight; check again next time
            else:
                room.lag_target = None
        # A restarted Redis forgets group memberships (RedisChannelLayer) and subscriptions
        # may lapse: joining again is idempotent and cheap.
        await self._join(PRESENCE_GROUP, self.channel)
        for room in rooms:
            await self._join(room.group, self.channel)
        await self._drop_idle_rooms()

    async def _join(self, group: str, channel: str) -> None:
        try:
            await self.layer.group_add(group, channel)
        except Exception:  # Redis is away: rooms work from the periodic database check until it is back
            logger.warning("chat hub: could not join %s; will retry", group, exc_info=True)

    async def _drop_idle_rooms(self) -> None:
        now = time.monotonic()
        async with self.membership_lock:
            for room_id, room in tuple(self.rooms.items()):
                if not room.subscribers and room.empty_since is not None and now - room.empty_since > EMPTY_ROOM_LINGER:
                    del self.rooms[room_id]
                    await self.layer.group_discard(room.group, self.channel)

    async def _room(self, room_id: int) -> RoomHub:
        """The room's hub, once its stream position is known.

        Atomic for subscribers: a room is in `self.rooms` (where events find it, and wait
        for its lock) from before its position is read, but a subscriber gets it only once
        `ready` is set, after that read. So every subscriber's replay is read after the
        position, and "rev <= position: already applied" never drops a message a replay
        has not sent (the restart race of issue 10.2).
        """
        room = self.rooms.get(room_id)
        if room is not None:
            await asyncio.shield(room.ready)
            return room
        async with self.membership_lock:
            room = self.rooms.get(room_id)
            if room is not None:
                await asyncio.shield(room.ready)
                return room
            room = RoomHub(self, room_id)
            async with room.lock:
                self.rooms[room_id] = room  # events may arrive now; they wait for the lock
                try:
                    await self._join(room.group, self.channel)
                    position = await database_sync_to_async(selectors.room_stream_position)(room_id)
                    if position is None:
                        await self.layer.group_discard(room.group, self.channel)
                        raise NotFound("unknown_room", UNKNOWN_ROOM)
                except BaseException as error:
                    del self.rooms[room_id]
                    room.ready.set_exception(error if isinstance(error, Exception) else RuntimeError("cancelled"))
                    room.ready.exception()  # retrieved: waiters re-raise it, nobody else needs to
                    raise
                room.rev, room.last_id = position
                room.ready.set_result(None)
            return room

    # --- what the consumer calls

    def serves(self, room_id: int) -> bool:
        return room_id in self.rooms

    async def subscribe(self, consumer: Any, user, room_id: int, after: int | None, revision: int | None) -> int:
        """Register, check access, replay, then go live; the number of messages replayed.

        Raises `NotFound` (nothing registered then)."""
        await self.start()
        room = await self._room(room_id)
        sub = Subscriber(consumer, user.pk)
        sub.last_id = after or 0
        room.subscribers[consumer] = sub
        room.empty_since = None
        try:
            # Access is checked after registering: a removal processed before this point
            # is visible to this check, and one processed after it removes the subscriber.
            replay = await database_sync_to_async(_checked_replay)(user, room_id, after, revision)
            # Everything for this socket goes through one path (`sub.write`), in order.
            for message in replay.updates:
                await sub.write(_update_out(message))
            last_id = after or 0
            for message in replay.messages:
                await sub.write(_message_out(message))
                last_id = message.pk
            if room.subscribers.get(consumer) is not sub:
                return len(replay.messages)  # revoked while replaying: it was told so
            sub.last_id = max(sub.last_id, last_id)
            sub.floor_rev = replay.revision
            await sub.write(
                Outgoing.frame(
                    {
                        "type": "chat.subscribed",
                        "room": room_id,
                        "last_id": sub.last_id,
                        "revision": replay.revision,
                        "has_older": replay.has_older,
                        **({"gap": True} if replay.gap else {}),
                    }
                )
            )
            while sub.buffer:
                kind, message_id, rev, out = sub.buffer.popleft()
                if kind == NEW:
                    if message_id > sub.last_id:
                        sub.last_id = message_id
                        await sub.write(out)
                elif rev > sub.floor_rev:
                    await sub.write(out)
            sub.live = True  # no await between the empty buffer and this line
            snapshot = await room.presence_snapshot()
            if room.subscribers.get(consumer) is sub:
                await sub.write(Outgoing.frame(snapshot))
            return len(replay.messages)
        except BaseException:
            if room.subscribers.get(consumer) is sub:
                del room.subscribers[consumer]
                room._mark_if_empty()
            raise

    async def unsubscribe(self, consumer: Any, room_id: int) -> None:
        room = self.rooms.get(room_id)
        if room is not None and room.subscribers.pop(consumer, None) is not None:
            room._mark_if_empty()

    async def typing(self, room_id: int, user) -> None:
        frame = {"type": "chat.typing", "room": room_id, "user": {"id": user.pk, "name": user.display_name}}
        event = {
            "type": "chat.event",
            "room": room_id,
            "kind": "typing",
            "user": user.pk,
            "name": user.display_name,
            "text": selectors.encode_frame(frame),
        }
        await self.layer.group_send(selectors.room_group(room_id), event)

    async def socket_opened(self, user) -> None:
        if await self.presence.opened(user.pk):
            await self._hint_presence(user)

    async def socket_closed(self, consumer: Any, user, room_ids) -> None:
        for room_id in room_ids:
            await self.unsubscribe(consumer, room_id)
        if await self.presence.closed(user.pk):
            await self._hint_presence(user)

    async def _hint_presence(self, user) -> None:
        """Tell every process, soon, that this user's presence may have changed; each hub asks the
        presence store for the truth, for the rooms it serves that the user reads.

        The hints of one moment travel as one event (PRESENCE_HINT_DELAY): a reconnect storm
        is then a few events per second, not one publish per handshake."""
        await self.start()
        self.pending_hints[user.pk] = user.display_name
        if self.hint_sender is None or self.hint_sender.done():
            self.hint_sender = asyncio.get_running_loop().create_task(self._send_hints())

    async def _send_hints(self) -> None:
        # Until none is left: a hint noted while a batch is being published finds this task
        # not done yet, starts no other, and would wait for the next hint to be sent.
        while self.pending_hints:
            await asyncio.sleep(PRESENCE_HINT_DELAY)
            hints, self.pending_hints = self.pending_hints, {}
            event = {"type": "chat.event", "room": 0, "kind": "presence", "hints": [[u, n] for u, n in hints.items()]}
            try:
                await self.layer.group_send(PRESENCE_GROUP, event)
            except Exception:  # presence is advisory; the periodic re-check repairs it
                logger.warning("chat hub: could not publish the presence of %d people", len(hints), exc_info=True)


def _checked_replay(user, room_id: int, after: int | None, revision: int | None) -> selectors.Replay:
    return selectors.replay(access_room(user, room_id), after=after, revision=revision)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
