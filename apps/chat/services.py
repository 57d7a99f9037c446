"""Writes in chat. HTML views, API views and the WebSocket consumer all call these.

Every change to a room's stream (a message sent, edited or deleted, a reader removed)
happens inside a transaction that first takes the room's next revision with an UPDATE:
that locks the room row until commit, so within a room ids and revisions are assigned in
commit order. The change is broadcast after commit (`transaction.on_commit`) to the
room's group on the chat channel layer, already encoded as the frame every subscriber
gets. A broadcast that never arrives (Redis restarting, a full channel) is not a lost
message: it is in the database, and the hubs catch up by revision (see `hub`).
"""

import logging
import time
import uuid
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import RedisError

from apps.accounts.models import User
from apps.accounts.services import user_group_name
from apps.core.mentions import render_with_mentions
from apps.departments.models import Department
from apps.notifications.services import notify

from . import selectors
from .access import (
    ChatError,
    access_message,
    access_room,
    can_invite,
    can_remove_member,
    can_rename,
    mentionable_users,
)
from .models import Message, ReadPosition, Room, RoomMember

logger = logging.getLogger(__name__)

GROUP_NAME_MAX = 80
TOPIC_MAX = 250


# --- Broadcasting


def chat_layer_alias() -> str:
    """The chat streams use their own layer when one is configured (see settings), else the default."""
    return "chat" if "chat" in getattr(settings, "CHANNEL_LAYERS", {}) else "default"


def _group_send_now(layer_alias: str, group: str, event: dict) -> None:
    layer = get_channel_layer(layer_alias)
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.warning(
            "chat: broadcast to %s failed; subscribers will catch up from the database", group, exc_info=True
        )


def publish_room_event(room_id: int, event: dict) -> None:
    """Broadcast a room stream event once the current transaction commits."""
    event = {"type": "chat.event", "room": room_id, **event}
    transaction.on_commit(lambda: _group_send_now(chat_layer_alias(), selectors.room_group(room_id), event))


def send_to_user(user_id: int, frame: dict) -> None:
    """A frame for every open socket of one user, after commit (the default layer, like notifications)."""
    event = {"type": "relay.frame", "frame": frame}
    transaction.on_commit(lambda: _group_send_now("default", user_group_name(user_id), event))


def _next_revision(room_id: int) -> int:
    """Lock the room row (until commit) and take its next revision.

    An UPDATE first, not a SELECT: on PostgreSQL it locks the row; on SQLite it takes the
    write lock at once (a read first could not be upgraded under a concurrent writer).
    """
    table = Room._meta.db_table
    with connection.cursor() as cursor:
        # RETURNING: PostgreSQL, and SQLite since 3.35.
        cursor.execute(f"UPDATE {table} SET revision = revision + 1 WHERE id = %s RETURNING revision", [room_id])  # noqa: S608 - the table name is ours
        row = cursor.fetchone()
    if row is None:
        raise ChatError("unknown_room", "There is no such room, or you may not read it.")
    return row[0]


def _set_last_message(room_id: int, message_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Room._meta.db_table} SET last_message_id = %s WHERE id = %s", [message_id, room_id])  # noqa: S608


# --- Input checks


def clean_body(body: object) -> str:
    if not isinstance(body, str):
        raise ChatError("bad_body", "The message body must be text.")
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()
    if not body.strip():
        raise ChatError("empty_body", "The message is empty.")
    limit = settings.CHAT_MAX_BODY_LENGTH
    if len(body) > limit:
        raise ChatError("body_too_long", f"A message can be at most {limit} characters long; this one has {len(body)}.")
    return body


def parse_client_id(client_id: object) -> uuid.UUID | None:
    if client_id is None:
        return None
    if isinstance(client_id, str) and len(client_id) <= 64:
        try:
            return uuid.UUID(client_id)
        except ValueError:
            pass
    raise ChatError("bad_client_id", "client_id must be a UUID string, e.g. from crypto.randomUUID().")


def check_rate(user) -> None:
    """At most CHAT_RATE_LIMIT_MESSAGES sends and edits per CHAT_RATE_LIMIT_WINDOW seconds per user, in any process."""
    limit, window = settings.CHAT_RATE_LIMIT_MESSAGES, settings.CHAT_RATE_LIMIT_WINDOW
    if limit <= 0:
        return
    now = time.time()
    key = f"chat:rate:{user.pk}:{int(now // window)}"
    try:
        cache.add(key, 0, timeout=window * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window * 2)
            count = 1
    except (ConnectionError, RedisError):
        # The cache (Redis) is down: chat keeps working, unmetered, rather than failing every send.
        logger.warning("chat: rate limit not enforced, the cache is unavailable")
        return
    if count > limit:
        retry_after = round(window - now % window, 1)
        raise ChatError(
            "rate_limited",
            f"You are sending too fast: at most {limit} messages every {window} seconds. "
            f"Try again in {retry_after:g} s.",
            retry_after=retry_after,
        )


# --- Markdown and mentions


def render_message(room: Room, body: str) -> tuple[str, list[User]]:
    """The sanitised HTML of `body`, and the people who read the room that it mentions (`@**Name**`)."""
    rendered = render_with_mentions(body, mentionable_users(room))
    return str(rendered.html), rendered.users


def _notify_mentions(*, room: Room, message: Message, users: Iterable[User], author) -> None:
    users = [user for user in users if user.pk != author.pk]
    if not users:
        return
    where = f"#{room.department.name}" if room.kind == Room.Kind.DEPARTMENT else (room.name or "a direct message")
    notify(
        recipients=users,
        kind="chat_mention",
        title=f"{author.display_name} mentioned you in {where}",
        url=reverse("chat:room", args=[room.pk]) + f"#message-{message.pk}",
        actor=author,
        department=room.department if room.kind == Room.Kind.DEPARTMENT else None,
    )


# --- Messages


def message_send(
    *, user, room_id: object, body: object, client_id: object = None, check_rate_limit: bool = True
) -> tuple[Message, bool]:
    """Store and broadcast a message; returns `(message, created)`.

    A resend with a `client_id` the user already used returns the original message
    (`created` False) and writes and broadcasts nothing. `check_rate_limit=False` is for
    imports and demo data, never for what a person sends.
    """
    room = access_room(user, room_id)
    client_uuid = parse_client_id(client_id)
    if client_uuid is not None and (original := _original(user, client_uuid, room)) is not None:
        return original, False
    body = clean_body(body)
    if check_rate_limit:
        check_rate(user)
    html, mentioned = render_message(room, body)
    try:
        with transaction.atomic():
            revision = _next_revision(room.pk)
            if client_uuid is not None and Message.objects.filter(author=user, client_id=client_uuid).exists():
                raise IntegrityError("client_id already used")  # a concurrent resend won the race
            message = Message.objects.create(
                room=room,
                author=user,
                body=body,
                html=html,
                client_id=client_uuid,
                mentioned_ids=[u.pk for u in mentioned],
                revision=revision,
            )
            _set_last_message(room.pk, message.pk)
            message.author = user
            _notify_mentions(room=room, message=message, users=mentioned, author=user)
            publish_room_event(
                room.pk,
                {
                    "kind": "message",
                    "rev": revision,
                    "id": message.pk,
                    "text": selectors.encode_frame(selectors.message_frame(message)),
                },
            )
    except IntegrityError:
        if client_uuid is None:
            raise
        original = _original(user, client_uuid, room)
        if original is None:
            raise
        return original, False
    return message, True


def _original(user, client_uuid: uuid.UUID, room: Room) -> Message | None:
    # A cheap look first: on every send, and almost always finds nothing.
    found = Message.objects.filter(author=user, client_id=client_uuid).values_list("pk", "room_id").first()
    if found is None:
        return None
    if found[1] != room.pk:
        raise ChatError("bad_client_id", "This client_id was already used for a message in another room.")
    return selectors.messages_with_authors().get(pk=found[0])


def message_edit(*, user, message_id: object, body: object) -> Message:
    message = access_message(user, message_id, action="edit")
    body = clean_body(body)
    if body == message.body:
        return message
    check_rate(user)
    room = message.room
    html, mentioned = render_message(room, body)
    before = set(message.mentioned_ids or [])
    with transaction.atomic():
        revision = _next_revision(room.pk)
        now = timezone.now()
        changed = Message.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
            body=body, html=html, edited_at=now, revision=revision, mentioned_ids=[u.pk for u in mentioned]
        )
        if not changed:  # deleted meanwhile: give the revision back with the transaction
            raise ChatError("unknown_message", "There is no such message, or you may not see it.")
        message.body, message.html, message.edited_at, message.revision = body, html, now, revision
        message.mentioned_ids = [u.pk for u in mentioned]
        _notify_mentions(room=room, message=message, users=[u for u in mentioned if u.pk not in before], author=user)
        publish_room_event(
            room.pk,
            {
                "kind": "edit",
                "rev": revision,
                "id": message.pk,
                "text": selectors.encode_frame(selectors.message_frame(message, "edit")),
            },
        )
    return message


def message_delete(*, user, message_id: object) -> Message:
    """The author deletes their message; a department manager moderates their department's room."""
    message = access_message(user, message_id, action="delete")
    room = message.room
    with transaction.atomic():
        revision = _next_revision(room.pk)
        now = timezone.now()
        changed = Message.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
            deleted_at=now, deleted_by=user, body="", html="", mentioned_ids=[], revision=revision
        )
        if not changed:
            raise ChatError("unknown_message", "There is no such message, or you may not see it.")
        message.deleted_at, message.revision, message.body, message.html = now, revision, "", ""
        message.mentioned_ids = []
        publish_room_event(
            room.pk,
            {
                "kind": "delete",
                "rev": revision,
                "id": message.pk,
                "text": selectors.encode_frame(selectors.message_frame(message, "delete")),
            },
        )
    return message


# --- Read positions and unread counts


def room_mark_read(*, user, room_id: object, message_id: object) -> tuple[int, int]:
    """Move the user's read position forward to `message_id`; returns `(last_read_id, unread)`.

    Every socket of the user hears about it, so badges in other tabs follow.
    """
    room = access_room(user, room_id)
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 0:
        raise ChatError("bad_frame", "'message' must be a message id.")
    target = min(message_id, room.last_message_id)
    with transaction.atomic():
        position, created = ReadPosition.objects.get_or_create(room=room, user=user, defaults={"last_read_id": target})
        if not created and position.last_read_id < target:
            ReadPosition.objects.filter(pk=position.pk, last_read_id__lt=target).update(last_read_id=target)
        last_read = max(position.last_read_id, target)
        unread = selectors.unread_count(room=room, user=user)
        send_to_user(user.pk, {"type": "chat.read", "room": room.pk, "last_read_id": last_read, "unread": unread})
    return last_read, unread


def _start_reading(room: Room, users: Iterable[User]) -> None:
    """New readers start with nothing unread: history before they joined is there to scroll, not to badge."""
    ReadPosition.objects.bulk_create(
        [ReadPosition(room=room, user=user, last_read_id=room.last_message_id) for user in users],
        ignore_conflicts=True,
    )


# --- Revoking access


def _revoke(room: Room, users: Iterable[User]) -> None:
    """Stop every open socket of these users receiving the room, in stream order.

    The revoke takes a revision like a message, so a message committed after it is
    processed after it by every hub: it cannot reach the removed reader.
    """
    user_ids = sorted({u.pk for u in users})
    if not user_ids:
        return
    with transaction.atomic():
        revision = _next_revision(room.pk)
        publish_room_event(room.pk, {"kind": "revoke", "rev": revision, "users": user_ids})


# --- Department rooms (called by apps.departments.services)


def chat_room_for_department(department: Department) -> Room:
    room, _ = Room.objects.get_or_create(kind=Room.Kind.DEPARTMENT, department=department)
    return room


def ensure_department_rooms() -> None:
    """Create the rooms of departments made without the service (demo data, old rows). Idempotent."""
    missing = Department.objects.filter(chat_room__isnull=True)
    if missing.exists():
        Room.objects.bulk_create(
            [Room(kind=Room.Kind.DEPARTMENT, department=d) for d in missing], ignore_conflicts=True
        )


def department_member_added(*, department: Department, user) -> None:
    room = chat_room_for_department(department)
    _start_reading(room, [user])
    send_to_user(user.pk, {"type": "chat.room_added", "room": room_summary(room, user)})


def department_member_removed(*, department: Department, user) -> None:
    """Called after the membership row is gone: the user's sockets leave the room at once."""
    room = Room.objects.filter(kind=Room.Kind.DEPARTMENT, department=department).first()
    if room is not None:
        _revoke(room, [user])


def department_room_closing(*, department: Department) -> None:
    """The department (and with it its room) is being deleted: every subscriber is told and dropped."""
    room = Room.objects.filter(kind=Room.Kind.DEPARTMENT, department=department).first()
    if room is not None:
        publish_room_event(room.pk, {"kind": "close", "rev": room.revision + 1})


# --- Group rooms


def _clean_name(name: object) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ChatError("bad_name", "A group room needs a name.")
    if len(name) > GROUP_NAME_MAX:
        raise ChatError("bad_name", f"A room name can be at most {GROUP_NAME_MAX} characters long.")
    return name


def _clean_topic(topic: object) -> str:
    topic = " ".join(str(topic or "").split())
    if len(topic) > TOPIC_MAX:
        raise ChatError("bad_topic", f"A topic can be at most {TOPIC_MAX} characters long.")
    return topic


def _active_colleagues(user_ids: Iterable[object]) -> list[User]:
    ids = set()
    for value in user_ids:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ChatError("unknown_user", "Give people by their user id.")
        ids.add(value)
    users = list(User.objects.filter(pk__in=ids, is_active=True).select_related("profile"))
    if len(users) != len(ids):
        raise ChatError("unknown_user", "Some of these people do not exist or their account is deactivated.")
    return users


@transaction.atomic
def group_room_create(*, creator, name: object, topic: object = "", member_ids: Iterable[object] = ()) -> Room:
    name, topic = _clean_name(name), _clean_topic(topic)
    members = [u for u in _active_colleagues(member_ids) if u.pk != creator.pk]
    room = Room.objects.create(kind=Room.Kind.GROUP, name=name, topic=topic, created_by=creator)
    RoomMember.objects.create(room=room, user=creator, role=RoomMember.Role.OWNER, added_by=creator)
    RoomMember.objects.bulk_create([RoomMember(room=room, user=u, added_by=creator) for u in members])
    _start_reading(room, [creator, *members])
    for user in [creator, *members]:
        send_to_user(user.pk, {"type": "chat.room_added", "room": room_summary(room, user)})
    _notify_added(room=room, users=members, by=creator)
    return room


def group_room_update(*, room: Room, by, name: object = None, topic: object = None) -> Room:
    if not can_rename(by, room):
        raise ChatError("forbidden", "Only the room's owner can rename it or change its topic.")
    if name is not None:
        room.name = _clean_name(name)
    if topic is not None:
        room.topic = _clean_topic(topic)
    room.save(update_fields=["name", "topic"])
    return room


@transaction.atomic
def room_member_add(*, room: Room, user_id: object, by) -> RoomMember:
    if not can_invite(by, room):
        raise ChatError("forbidden", "Only people in a group room can add colleagues to it.")
    (user,) = _active_colleagues([user_id])
    member, created = RoomMember.objects.get_or_create(room=room, user=user, defaults={"added_by": by})
    if created:
        _start_reading(room, [user])
        send_to_user(user.pk, {"type": "chat.room_added", "room": room_summary(room, user)})
        _notify_added(room=room, users=[user], by=by)
    return member


@transaction.atomic
def room_member_remove(*, room: Room, user_id: object, by) -> None:
    """Leave a group room, or (its owner) remove someone. Their sockets stop receiving it at once."""
    member = RoomMember.objects.filter(room=room, user_id=user_id).select_related("user").first()
    if member is None:
        raise ChatError("unknown_user", "This person is not in the room.")
    if not can_remove_member(by, room, member.user):
        raise ChatError("forbidden", "Only the room's owner can remove other people.")
    member.delete()
    if member.role == RoomMember.Role.OWNER and not RoomMember.objects.filter(room=room, role="owner").exists():
        heir = RoomMember.objects.filter(room=room).order_by("created_at", "pk").first()
        if heir is not None:  # a room keeps an owner while anyone is in it
            RoomMember.objects.filter(pk=heir.pk).update(role=RoomMember.Role.OWNER)
    _revoke(room, [member.user])


def _notify_added(*, room: Room, users: Iterable[User], by) -> None:
    notify(
        recipients=users,
        kind="chat_added",
        title=f"{by.display_name} added you to the chat room {room.name}",
        url=reverse("chat:room", args=[room.pk]),
        actor=by,
    )


# --- Direct rooms


def direct_room(*, user, other_id: object) -> tuple[Room, bool]:
    """The one direct room of two people, created on first use; returns `(room, created)`."""
    (other,) = _active_colleagues([other_id])
    if other.pk == user.pk:
        raise ChatError("unknown_user", "Direct messages are between two different people.")
    key = f"{min(user.pk, other.pk)}:{max(user.pk, other.pk)}"
    room = Room.objects.filter(direct_key=key).first()
    if room is not None:
        return room, False
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, direct_key=key, created_by=user)
            RoomMember.objects.bulk_create(
                [RoomMember(room=room, user=user, added_by=user), RoomMember(room=room, user=other, added_by=user)]
            )
            _start_reading(room, [user, other])
            send_to_user(
                user.pk, {"type": "chat.room_added", "room": room_summary(room, user, other_name=other.display_name)}
            )
            send_to_user(
                other.pk, {"type": "chat.room_added", "room": room_summary(room, other, other_name=user.display_name)}
            )
    except IntegrityError:  # created by the other person at the same moment
        return Room.objects.get(direct_key=key), False
    return room, True


def room_summary(room: Room, user, *, other_name: str | None = None) -> dict:
    """A room as the room list shows it to `user` (the same fields as the rooms API)."""
    if other_name is not None:
        room.other_name = other_name
    return {
        "id": room.pk,
        "kind": room.kind,
        "name": selectors.room_label(room, user),
        "topic": room.topic,
        "department": room.department.slug if room.department_id else None,
        "last_message_id": room.last_message_id,
        "revision": room.revision,
        "unread_count": getattr(room, "unread_count", 0),
        "url": reverse("chat:room", args=[room.pk]),
    }
