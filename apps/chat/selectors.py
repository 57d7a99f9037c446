"""Reads about rooms and messages that views, the API and the consumer share."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.core.compiled import KeyQuery, PersonQuery
from apps.departments.selectors import department_members
from apps.feed.models import REACTION_EMOJI
from apps.people.models import Profile

from .access import readers_among, room_readers
from .events import FilePayload, MessagePayload, ReactionPayload
from .models import Message, MessageFile, ReadPosition, Room, RoomMember, RoomSetting, files_prefetch, with_files

HISTORY_PAGE_SIZE = 50  # what `subscribe` with `after: null` sends, and the UI's first page
# `subscribe` replays at most this many messages after `after` (the newest ones); an older
# gap is marked `gap` in `chat.subscribed` and read through the API's history if wanted.
# Bounded, so that `subscribe` with `after: 0` on a big room is one cheap query, not the room.
REPLAY_LIMIT = 200
CATCH_UP_BATCH_SIZE = 1000


def room_group(room_id: int) -> str:
    """The channel-layer group of a room's stream; each process's chat hub joins it once."""
    return f"chat.room.{room_id}"


def encode_frame(frame: dict) -> str:
    """The one JSON encoding of a frame, shared by every recipient."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def message_payload(message: Message) -> MessagePayload:
    """The message as clients see it. Needs `author__profile` loaded (select_related) to avoid a query."""
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "room": message.room_id,
        "author": {"id": message.author_id, "name": message.author.display_name},
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.html,
        "created_at": message.created_at.isoformat(),
        "client_id": str(message.client_id) if message.client_id else None,
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
        "revision": message.revision,
        "mentions": list(message.mentioned_ids or []),
        "parent": message.parent_id,
        "reply_count": message.reply_count,
        "last_reply_at": message.last_reply_at.isoformat() if message.last_reply_at else None,
        "reactions": [] if deleted else reaction_payloads(message.reactions),
        "pinned": message.pinned_at is not None and not deleted,
        "files": [] if deleted else [file_payload(f) for f in message.attached_files()],
    }


def reaction_payloads(reactions: dict) -> list[ReactionPayload]:
    """Reactions in the feed's order of emoji. The JSON keeps each reactor's name as they reacted
    (`[[user id, name], ...]`), so a page of history costs no query for them."""
    return [
        {
            "key": key,
            "emoji": emoji,
            "count": len(reactions[key]),
            "users": [user_id for user_id, _ in reactions[key]],
            "names": [name for _, name in reactions[key][:20]],
        }
        for key, emoji in REACTION_EMOJI.items()
        if reactions.get(key)
    ]


def file_payload(stored: MessageFile) -> FilePayload:
    return {
        "id": stored.pk,
        "name": stored.original_name,
        "url": stored.file.url,
        "content_type": stored.content_type,
        "size": stored.size,
        "image": stored.is_image,
    }


def message_frame(message: Message, kind: str = "message") -> dict:
    frame_type = {"message": "chat.message", "edit": "chat.message_edited", "delete": "chat.message_deleted"}[kind]
    return {"type": frame_type, "room": message.room_id, "message": message_payload(message)}


def messages_with_authors() -> QuerySet[Message]:
    """Messages ready for `message_payload`: authors joined, files prefetched (one query per list)."""
    return Message.objects.select_related("author__profile").prefetch_related(files_prefetch())


def _latest(room_id: int) -> QuerySet[Message]:
    messages = Message.objects.select_related("author__profile").filter(
        room_id=room_id, deleted_at__isnull=True, parent__isnull=True
    )
    return messages.order_by("-id")[: HISTORY_PAGE_SIZE + 1]


_LATEST = KeyQuery(_latest, key=int)


def latest_messages(room: Room) -> list[Message]:
    """The room's newest top-level messages, newest first, one more than a page (are there older ones?).

    Ready for `message_payload`, with SQL compiled once per process: building the
    queryset and its files' prefetch was a fifth of the chat page's time (BENCHMARKS.md).
    """
    messages = _LATEST.objects(room.pk)
    with_files(messages)
    return messages


def thread(message: Message) -> list[Message]:
    """A thread's replies, oldest first (a thread is bounded by what people write in one; 500 shown)."""
    return list(messages_with_authors().filter(parent=message, deleted_at__isnull=True).order_by("id")[:500])


def pinned(room: Room) -> list[Message]:
    return list(
        messages_with_authors()
        .filter(room=room, pinned_at__isnull=False, deleted_at__isnull=True)
        .order_by("-pinned_at")[:100]
    )


def notification_levels(user, room_ids) -> dict[int, str]:
    """The user's level per room, for the rooms that have one set (others: "all")."""
    return dict(RoomSetting.objects.filter(user=user, room_id__in=list(room_ids)).values_list("room_id", "level"))


def quiet_user_ids(room: Room, user_ids, levels: tuple[str, ...]) -> set[int]:
    """Which of these users chose one of `levels` for the room (one query)."""
    return set(
        RoomSetting.objects.filter(room=room, user_id__in=list(user_ids), level__in=levels).values_list(
            "user_id", flat=True
        )
    )


def with_unread(rooms: QuerySet[Room], user) -> QuerySet[Room]:
    """`rooms` with `my_last_read` and `unread_count` (messages after it, not deleted, not mine)."""
    last_read = ReadPosition.objects.filter(room=OuterRef("pk"), user=user).values("last_read_id")[:1]
    unread = (
        Message.objects.filter(room=OuterRef("pk"), id__gt=OuterRef("my_last_read"), deleted_at__isnull=True)
        .exclude(author=user)
        .order_by()
        .values("room")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return rooms.annotate(my_last_read=Coalesce(Subquery(last_read), Value(0))).annotate(
        unread_count=Coalesce(Subquery(unread), Value(0))
    )


def rooms_for(user) -> QuerySet[Room]:
    """The rooms `user` reads, each with `unread_count`, `my_last_read` and, for direct rooms,
    the other person (`other_user_id`, `other_name`), in one query whatever their number."""
    other = RoomMember.objects.filter(room=OuterRef("pk")).exclude(user=user).order_by("pk")
    level = RoomSetting.objects.filter(room=OuterRef("pk"), user=user).values("level")[:1]
    return with_unread(Room.objects.visible_to(user).select_related("department"), user).annotate(
        other_user_id=Subquery(other.values("user_id")[:1]),
        other_name=Subquery(other.values("user__profile__display_name")[:1]),
        level=Coalesce(Subquery(level), Value(RoomSetting.Level.ALL)),
    )


# The sidebar's rooms, built and compiled once per process: 2-3 ms of ORM work on every chat page.
SIDEBAR_ROOMS = PersonQuery(rooms_for)


def unread_total(rooms: Iterable[Room]) -> int:
    """The Chat link's badge from rooms already read with `rooms_for`: what
    `context_processors.unread_chat` counts in SQL (every room but the muted ones), without a query."""
    return sum(room.unread_count for room in rooms if room.level != RoomSetting.Level.NOTHING)


def room_label(room: Room, user=None) -> str:
    """How the room is called in lists and headings, as seen by `user`."""
    if room.kind == Room.Kind.DEPARTMENT:
        return room.department.name
    if room.kind == Room.Kind.GROUP:
        return room.name
    other_name = getattr(room, "other_name", None)
    if other_name is None and user is not None:
        other = RoomMember.objects.filter(room=room).exclude(user=user).select_related("user__profile").first()
        other_name = other.user.display_name if other else None
    return other_name or "Direct message"


KIND_ORDER = {Room.Kind.DEPARTMENT: 0, Room.Kind.GROUP: 1, Room.Kind.DIRECT: 2}


def sorted_rooms(rooms) -> list[Room]:
    """Departments (company-wide first), then group rooms, then direct messages, each by name."""
    return sorted(
        rooms,
        key=lambda r: (
            KIND_ORDER[r.kind],
            not (r.department.is_company_wide if r.department_id else False),
            room_label(r).casefold(),
            r.pk,
        ),
    )


def unread_count(*, room: Room, user) -> int:
    position = ReadPosition.objects.filter(room=room, user=user).values_list("last_read_id", flat=True).first() or 0
    return Message.objects.filter(room=room, id__gt=position, deleted_at__isnull=True).exclude(author=user).count()


def room_member_profiles(room: Room) -> QuerySet[Profile]:
    """Active people who read the room, with their `role` in it (department role or room role)."""
    if room.kind == Room.Kind.DEPARTMENT:
        return department_members(room.department)
    return (
        Profile.objects.active()
        .select_related("user")
        .filter(user__chat_rooms__room=room)
        .annotate(role=F("user__chat_rooms__role"))
    )


def room_member_ids(room: Room) -> list[int]:
    return list(room_readers(room).values_list("pk", flat=True))


def user_names(user_ids) -> dict[int, str]:
    return {
        user.pk: user.display_name
        for user in User.objects.filter(pk__in=list(user_ids))
        .select_related("profile")
        .only("pk", "email", "profile__display_name")
    }


# --- Replay and catch-up: the reads behind "every message after id N, exactly once".


@dataclass
class Replay:
    revision: int  # the room's revision, read before the messages
    last_message_id: int
    messages: list[Message]  # new messages, by id
    updates: list[Message] = field(default_factory=list)  # edits/deletes of messages <= after, by revision
    has_older: bool = False
    gap: bool = False  # True: more than REPLAY_LIMIT messages after `after`; only the newest are here


def replay(room: Room, *, after: int | None, revision: int | None) -> Replay:
    """What a subscriber needs first: the room's revision, then messages after `after`.

    `room` was just read (its revision and last message id): it is read before the
    messages, so anything committed in between shows up both here and live; the hub drops
    the live copy by id. Nothing to replay costs no query.
    """
    room_id, room_revision, last_message_id = room.pk, room.revision, room.last_message_id
    if after is not None and after >= last_message_id and (revision is None or revision >= room_revision):
        return Replay(revision=room_revision, last_message_id=last_message_id, messages=[])
    messages = messages_with_authors().filter(room_id=room_id, deleted_at__isnull=True)
    if after is None:
        # The room's own messages: replies live in their threads (later ones still replay by id).
        latest = list(messages.filter(parent__isnull=True).order_by("-id")[: HISTORY_PAGE_SIZE + 1])
        has_older = len(latest) > HISTORY_PAGE_SIZE
        return Replay(
            revision=room_revision,
            last_message_id=last_message_id,
            messages=list(reversed(latest[:HISTORY_PAGE_SIZE])),
            has_older=has_older,
        )
    newest = list(messages.filter(id__gt=after).order_by("-id")[: REPLAY_LIMIT + 1])
    updates: list[Message] = []
    if revision is not None and after > 0:
        updates = list(
            messages_with_authors()
            .filter(room_id=room_id, id__lte=after, revision__gt=revision)
            .order_by("revision")[:REPLAY_LIMIT]
        )
    return Replay(
        revision=room_revision,
        last_message_id=last_message_id,
        messages=list(reversed(newest[:REPLAY_LIMIT])),
        updates=updates,
        gap=len(newest) > REPLAY_LIMIT,
    )


@dataclass
class Changes:
    exists: bool
    revision: int = 0
    last_message_id: int = 0
    new: list[Message] = field(default_factory=list)  # id > last_id, by id (deleted ones included)
    updated: list[Message] = field(default_factory=list)  # id <= last_id changed after `revision`
    readers: set[int] = field(default_factory=set)
    complete: bool = True


def changes_since(room_id: int, *, revision: int, last_id: int, user_ids: list[int]) -> Changes:
    """What a process missed in a room's stream since `revision`, and who of `user_ids` may still read it."""
    room = Room.objects.select_related("department").filter(pk=room_id).first()
    if room is None:
        return Changes(exists=False)
    new = list(
        messages_with_authors().filter(room_id=room_id, id__gt=last_id).order_by("id")[: CATCH_UP_BATCH_SIZE + 1]
    )
    updated = list(
        messages_with_authors()
        .filter(room_id=room_id, id__lte=last_id, revision__gt=revision)
        .order_by("revision")[: CATCH_UP_BATCH_SIZE + 1]
    )
    # More changes than a batch (e.g. an erasure removed thousands of messages): the position
    # moves only as far as the last one sent, and the caller asks again for the rest.
    more_updated = len(updated) > CATCH_UP_BATCH_SIZE
    updated = updated[:CATCH_UP_BATCH_SIZE]
    return Changes(
        exists=True,
        revision=updated[-1].revision if more_updated else room.revision,
        last_message_id=room.last_message_id,
        new=new[:CATCH_UP_BATCH_SIZE],
        updated=updated,
        readers=readers_among(room, user_ids),
        complete=len(new) <= CATCH_UP_BATCH_SIZE and not more_updated,
    )


def room_revisions(room_ids) -> dict[int, int]:
    return dict(Room.objects.filter(pk__in=list(room_ids)).values_list("pk", "revision"))


def room_stream_position(room_id: int) -> tuple[int, int] | None:
    row = Room.objects.filter(pk=room_id).values_list("revision", "last_message_id").first()
    return tuple(row) if row else None
