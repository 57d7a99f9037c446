"""Writes on chat messages: send, edit, delete, and read positions.

HTML views, API views and the WebSocket consumer all call these with the `acting_user`;
each authorises through `access` itself. Streams and broadcasting: see `streams`.
"""

import logging
import mimetypes
import time
import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, F, Max, Value, When
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import RedisError

from apps.accounts.models import User
from apps.audit.services import record_content_deletion
from apps.core.errors import Forbidden, Invalid, NotFound, RateLimited
from apps.core.markdown import plain_text
from apps.core.mentions import render_with_mentions
from apps.departments.access import write_refusal
from apps.feed.files import CheckedFile
from apps.notifications.emails import queue_unread_emails
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.policies.screening import screen as screen_never_share
from apps.search.index import update_index

from .. import selectors
from ..access import UNKNOWN_MESSAGE, access_message, access_room, room_readers
from ..models import Message, MessageFile, ReadPosition, Room, RoomSetting, with_files
from .streams import next_revision, publish_room_event, send_to_user, set_last_message

logger = logging.getLogger(__name__)

# --- Input checks


def clean_body(body: object) -> str:
    if not isinstance(body, str):
        raise Invalid("bad_body", "The message body must be text.")
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()
    if not body.strip():
        raise Invalid("empty_body", "The message is empty.")
    limit = settings.CHAT_MAX_BODY_LENGTH
    if len(body) > limit:
        raise Invalid("body_too_long", f"A message can be at most {limit} characters long; this one has {len(body)}.")
    return body


def parse_client_id(client_id: object) -> uuid.UUID | None:
    if client_id is None:
        return None
    if isinstance(client_id, str) and len(client_id) <= 64:
        try:
            return uuid.UUID(client_id)
        except ValueError:
            pass
    raise Invalid("bad_client_id", "client_id must be a UUID string, e.g. from crypto.randomUUID().")


def check_rate(user: User, *, now: float | None = None) -> None:
    """At most CHAT_RATE_LIMIT_MESSAGES sends and edits per CHAT_RATE_LIMIT_WINDOW seconds per user, in any process.

    A sliding window, estimated from two fixed ones (this window's count, plus the last
    window's weighted by how much of it the sliding window still covers): a fixed window
    alone let twice the limit through across its boundary.
    """
    limit, window = settings.CHAT_RATE_LIMIT_MESSAGES, settings.CHAT_RATE_LIMIT_WINDOW
    if limit <= 0:
        return
    now = time.time() if now is None else now
    slot, into = divmod(now, window)
    key = f"chat:rate:{user.pk}:{int(slot)}"
    try:
        cache.add(key, 0, timeout=window * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window * 2)
            count = 1
        previous = cache.get(f"chat:rate:{user.pk}:{int(slot) - 1}", 0)
    except (ConnectionError, RedisError):
        # The cache (Redis) is down: chat keeps working, unmetered, rather than failing every send.
        logger.warning("chat: rate limit not enforced, the cache is unavailable")
        return
    if count + previous * (1 - into / window) > limit:
        # When this window's sends alone, fading out over the next window, leave room for one more.
        fade = window * max(0.0, 1 - (limit - 1) / count)
        retry_after = round(max(0.1, window - into + fade), 1)
        raise RateLimited(
            "rate_limited",
            f"You are sending too fast: at most {limit} messages every {window} seconds. "
            f"Try again in {retry_after:g} s.",
            retry_after=retry_after,
        )


# --- Markdown and mentions


def render_message(room: Room, body: str) -> tuple[str, list[User]]:
    """The sanitised HTML of `body`, and the people who read the room that it mentions (`@**Name**`)."""
    rendered = render_with_mentions(body, room_readers(room))
    return str(rendered.html), rendered.users


def _message_url(message: Message) -> str:
    return reverse("chat:room", args=[message.room_id]) + f"#message-{message.pk}"


def _notify_mentions(*, room: Room, message: Message, users: Iterable[User], author: User) -> None:
    users = [user for user in users if user.pk != author.pk]
    if users:  # who muted the room hears nothing from it
        muted = selectors.quiet_user_ids(room, [u.pk for u in users], (RoomSetting.Level.NOTHING,))
        users = [user for user in users if user.pk not in muted]
    if not users:
        return
    where = f"#{room.department.name}" if room.kind == Room.Kind.DEPARTMENT else (room.name or "a direct message")
    title = f"{author.display_name} mentioned you in {where}"
    created = notify(
        recipients=users,
        kind="chat_mention",
        title=f"{title}: “{plain_text(message.html, limit=80)}”",
        url=_message_url(message),
        actor=author,
        department=room.department if room.kind == Room.Kind.DEPARTMENT else None,
    )
    queue_unread_emails(created, subject=title)


def _notify_direct(*, room: Room, message: Message, author: User, mentioned: Iterable[User]) -> None:
    """A direct message notifies the other person, once until they have read the conversation."""
    if room.kind != Room.Kind.DIRECT:
        return
    others = room_readers(room).exclude(pk__in=[author.pk, *(u.pk for u in mentioned)])
    others = others.exclude(
        pk__in=RoomSetting.objects.filter(room=room, level__in=[RoomSetting.Level.MENTIONS, RoomSetting.Level.NOTHING])
        .values("user_id")
    )  # fmt: skip
    waiting = Notification.objects.filter(
        kind="chat_direct", read_at__isnull=True, url__startswith=reverse("chat:room", args=[room.pk])
    ).values("recipient_id")
    title = f"{author.display_name} sent you a message"
    created = notify(
        recipients=others.exclude(pk__in=waiting),
        kind="chat_direct",
        title=f"{title}: “{plain_text(message.html, limit=80)}”",
        url=_message_url(message),
        actor=author,
    )
    queue_unread_emails(created, subject=title)


# --- Messages


def message_send(
    *,
    acting_user: User,
    room_id: object,
    body: object,
    client_id: object = None,
    check_rate_limit: bool = True,
    confirm: bool = False,
    parent_id: object = None,
    files: Sequence[CheckedFile] = (),
) -> tuple[Message, bool]:
    """Store and broadcast a message; returns `(message, created)`.

    A resend with a `client_id` the user already used returns the original message
    (`created` False) and writes and broadcasts nothing. `check_rate_limit=False` is for
    imports and demo data, never for what a person sends. In a department room that is
    not confidential, a text matching the policy's never-share rules is refused with
    `policy_warning` unless `confirm` (send anyway). With `parent_id` the message is a reply
    in that message's thread (same room; a thread has one level). `files` were checked by
    content (`apps.feed.files.check_attachment`); a message with files may have no text.
    """
    user = acting_user
    room = access_room(user, room_id)
    client_uuid = parse_client_id(client_id)
    if client_uuid is not None and (original := _original(user, client_uuid, room)) is not None:
        return original, False
    _require_writing(user, room)
    parent = _thread_parent(user, room, parent_id)
    if len(files) > settings.CHAT_MAX_FILES:
        raise Invalid("too_many_files", f"A message can carry at most {settings.CHAT_MAX_FILES} files.")
    body = clean_body(body) if not files or (isinstance(body, str) and body.strip()) else ""
    if room.kind == Room.Kind.DEPARTMENT and not room.department.is_confidential_by_default:
        screen_never_share(body, department=room.department, confirm=confirm is True)
    if check_rate_limit:
        check_rate(user)
    html, mentioned = render_message(room, body)
    try:
        with transaction.atomic():
            revision = next_revision(room.pk)
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
                parent=parent,
            )
            set_last_message(room.pk, message.pk)
            message.author = user
            for checked in files:
                stored = MessageFile(
                    message=message, original_name=checked.name, content_type=checked.content_type, size=checked.size
                )
                extension = mimetypes.guess_extension(checked.content_type) or ""
                stored.file.save(f"upload{extension}", checked.upload, save=True)
            if parent is not None:
                _count_reply(parent, message)
            _notify_mentions(room=room, message=message, users=mentioned, author=user)
            _notify_direct(room=room, message=message, author=user, mentioned=mentioned)
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
    with_files([message])  # frames are built from it in async code too
    return message, True


def _thread_parent(user: User, room: Room, parent_id: object) -> Message | None:
    if parent_id is None:
        return None
    parent = access_message(user, parent_id)
    if parent.room_id != room.pk:
        raise Invalid("bad_parent", "A reply belongs in a thread of the same room.")
    return parent.parent if parent.parent_id else parent  # one level: a reply to a reply joins the thread


def _count_reply(parent: Message, reply: Message) -> None:
    """The thread's first message shows "N replies": it changes like an edit (same lock, next revision)."""
    revision = next_revision(parent.room_id)
    Message.objects.filter(pk=parent.pk).update(
        reply_count=F("reply_count") + 1, last_reply_at=reply.created_at, revision=revision
    )
    parent.refresh_from_db(fields=["reply_count", "last_reply_at", "revision"])
    publish_update(parent)


def publish_update(message: Message) -> None:
    """Broadcast the message's new state (an edit, a reaction, a pin, a reply count) in the room's stream."""
    publish_room_event(
        message.room_id,
        {
            "kind": "edit",
            "rev": message.revision,
            "id": message.pk,
            "text": selectors.encode_frame(selectors.message_frame(message, "edit")),
        },
    )


def _require_writing(user: User, room: Room) -> None:
    """`access_room` checked reading; writing also needs what the space asks (e.g. its accepted policy)."""
    refusal = write_refusal(user, room.department if room.kind == Room.Kind.DEPARTMENT else None)
    if refusal is not None:
        raise refusal


def _original(user: User, client_uuid: uuid.UUID, room: Room) -> Message | None:
    # A cheap look first: on every send, and almost always finds nothing.
    found = Message.objects.filter(author=user, client_id=client_uuid).values_list("pk", "room_id").first()
    if found is None:
        return None
    if found[1] != room.pk:
        raise Invalid("bad_client_id", "This client_id was already used for a message in another room.")
    return selectors.messages_with_authors().get(pk=found[0])  # files prefetched


def message_edit(*, acting_user: User, message_id: object, body: object) -> Message:
    message = access_message(acting_user, message_id, action="edit")
    _require_writing(acting_user, message.room)
    body = clean_body(body)
    with_files([message])
    if body == message.body:
        return message
    check_rate(acting_user)
    room = message.room
    html, mentioned = render_message(room, body)
    before = set(message.mentioned_ids or [])
    with transaction.atomic():
        revision = next_revision(room.pk)
        now = timezone.now()
        changed = Message.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
            body=body, html=html, edited_at=now, revision=revision, mentioned_ids=[u.pk for u in mentioned]
        )
        if not changed:  # deleted meanwhile: give the revision back with the transaction
            raise NotFound("unknown_message", UNKNOWN_MESSAGE)
        message.body, message.html, message.edited_at, message.revision = body, html, now, revision
        update_index(Message, [message.pk])
        message.mentioned_ids = [u.pk for u in mentioned]
        new_mentions = [u for u in mentioned if u.pk not in before]
        _notify_mentions(room=room, message=message, users=new_mentions, author=acting_user)
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


def message_delete(*, acting_user: User, message_id: object) -> Message:
    """The author deletes their message; a department's moderator moderates its room."""
    message = access_message(acting_user, message_id, action="delete")
    with_files([message])
    room = message.room
    with transaction.atomic():
        revision = next_revision(room.pk)
        now = timezone.now()
        changed = Message.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
            deleted_at=now, deleted_by=acting_user, body="", html="", mentioned_ids=[], revision=revision
        )
        if not changed:
            raise NotFound("unknown_message", UNKNOWN_MESSAGE)
        record_content_deletion(
            actor=acting_user, kind="chat_message", object_id=message.pk, author_id=message.author_id, room_id=room.pk
        )
        message.deleted_at, message.revision, message.body, message.html = now, revision, "", ""
        update_index(Message, [message.pk])
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


def messages_remove_by_author(*, acting_user: User, author: User) -> list[int]:
    """Blank and mark deleted every message `author` wrote (erasure in remove mode); the ids.

    In constant queries, whatever their number: one UPDATE blanks them, one moves each room's
    revision past them all, one gives every message a revision of its own in that range (so a
    hub that catches up pages through them in order), and one frame per room tells the hubs:
    the room's newest removed message as `delete`; the others, one revision earlier each, are
    a gap the hubs fill from the database (`hub.RoomHub.catch_up`), as after a lost event.
    Files go first (the caller's), the search documents with the transaction.
    """
    if not (acting_user.is_active and acting_user.is_staff):
        raise Forbidden("forbidden", "Only admins remove everything a person wrote.")
    mine = Message.objects.filter(author=author, deleted_at__isnull=True)
    counts = dict(mine.values("room_id").annotate(count=Count("id")).values_list("room_id", "count"))
    if not counts:
        return []
    with transaction.atomic():
        # The rooms first, as every chat write locks them (`next_revision`) before its message rows.
        Room.objects.filter(pk__in=counts).update(
            revision=F("revision") + Case(*(When(pk=room, then=Value(n)) for room, n in counts.items()))
        )
        mine = mine.filter(room_id__in=counts)
        ids = list(mine.values_list("pk", flat=True))
        # revision -1 marks the rows for the next statement; nobody else sees it before commit
        mine.filter(pk__in=ids).update(
            deleted_at=timezone.now(), deleted_by=acting_user, body="", html="", mentioned_ids=[], revision=-1
        )
        messages, rooms = Message._meta.db_table, Room._meta.db_table
        with connection.cursor() as cursor:  # UPDATE ... FROM: PostgreSQL, and SQLite since 3.33
            cursor.execute(
                f"UPDATE {messages} SET revision = ranked.rev FROM ("  # noqa: S608 - our table names
                f" SELECT m.id AS id, r.revision - COUNT(*) OVER (PARTITION BY m.room_id)"
                f" + ROW_NUMBER() OVER (PARTITION BY m.room_id ORDER BY m.id) AS rev"
                f" FROM {messages} m JOIN {rooms} r ON r.id = m.room_id WHERE m.author_id = %s AND m.revision = -1"
                f") AS ranked WHERE {messages}.id = ranked.id",
                [author.pk],
            )
        update_index(Message, ids)
        newest = Message.objects.filter(pk__in=ids).values("room_id").annotate(newest=Max("id")).values("newest")
        for message in selectors.messages_with_authors().filter(pk__in=newest):
            publish_room_event(
                message.room_id,
                {
                    "kind": "delete",
                    "rev": message.revision,
                    "id": message.pk,
                    "text": selectors.encode_frame(selectors.message_frame(message, "delete")),
                },
            )
    return ids


# --- Read positions and unread counts


def room_mark_read(*, acting_user: User, room_id: object, message_id: object) -> tuple[int, int]:
    """Move the user's read position forward to `message_id`; returns `(last_read_id, unread)`.

    Every socket of the user hears about it, so badges in other tabs follow.
    """
    user = acting_user
    room = access_room(user, room_id)
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id < 0:
        raise Invalid("bad_frame", "'message' must be a message id.")
    target = min(message_id, room.last_message_id)
    with transaction.atomic():
        position, created = ReadPosition.objects.get_or_create(room=room, user=user, defaults={"last_read_id": target})
        if not created and position.last_read_id < target:
            ReadPosition.objects.filter(pk=position.pk, last_read_id__lt=target).update(last_read_id=target)
        last_read = max(position.last_read_id, target)
        unread = selectors.unread_count(room=room, user=user)
        if unread == 0:  # they have seen the room: its chat notifications are read too
            Notification.objects.for_user(user).unread().filter(
                kind__in=["chat_direct", "chat_mention"], url__startswith=reverse("chat:room", args=[room.pk]) + "#"
            ).update(read_at=timezone.now())
        send_to_user(user.pk, {"type": "chat.read", "room": room.pk, "last_read_id": last_read, "unread": unread})
    return last_read, unread


def start_reading(room: Room, users: Iterable[User]) -> None:
    """New readers start with nothing unread: history before they joined is there to scroll, not to badge."""
    ReadPosition.objects.bulk_create(
        [ReadPosition(room=room, user=user, last_read_id=room.last_message_id) for user in users],
        ignore_conflicts=True,
    )
