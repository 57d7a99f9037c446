"""Who may read and write what in chat. Who reads a *department's* room is decided in
`apps.departments.access` (its readers); group and direct rooms are read by their members.

HTML views, API views and the WebSocket consumer all get rooms and messages through
`access_room` and `access_message`: a room that does not exist and a room the user may
not read give the same answer (`NotFound`), so existence does not leak.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import User
from apps.core.compiled import PersonQuery
from apps.core.errors import Forbidden, NotFound
from apps.core.ids import parse_id
from apps.departments.access import (
    can_moderate,
    can_read,
    keep_department_role,
    readable_department_ids,
    readers_of,
    with_department_role,
)

from .models import Message, MessageFile, Room, RoomMember

UNKNOWN_ROOM = "There is no such room, or you may not read it."
UNKNOWN_MESSAGE = "There is no such message, or you may not see it."


def readable_rooms(user) -> Q:
    """Rooms `user` reads: their departments' rooms (All staff's included) and the private rooms they are in."""
    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    return Q(kind=Room.Kind.DEPARTMENT, department_id__in=readable_department_ids(user)) | Q(
        Exists(RoomMember.objects.filter(room=OuterRef("pk"), user_id=user.pk)),
        kind__in=[Room.Kind.GROUP, Room.Kind.DIRECT],
    )


def _readable_room(user, pk: int) -> QuerySet[Room]:
    return with_department_role(Room.objects.filter(readable_rooms(user), pk=pk), user)[:1]


# Built and compiled once per process: it runs on every chat page and every frame that names a room.
_READABLE_ROOM = PersonQuery(_readable_room, key=int)


def access_room(user, room_id: object) -> Room:
    """The room if `user` may read it; `NotFound("unknown_room")` otherwise, whether it exists or not.

    A department room's department comes with the user's role in it, so `can_moderate_room`
    and the other department rules on it ask no further query.
    """
    pk = parse_id(room_id) if not isinstance(room_id, str) else None
    room = _READABLE_ROOM.first(user, pk) if pk else None
    if room is None:
        raise NotFound("unknown_room", UNKNOWN_ROOM)
    keep_department_role(room, user)
    return room


def can_read_room(user, room: Room) -> bool:
    """The rule of `readable_rooms`, for one room (simpler queries: it runs on every send)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if room.kind == Room.Kind.DEPARTMENT:
        return can_read(user, room.department)
    return RoomMember.objects.filter(room=room, user_id=user.pk).exists()


def room_readers(room: Room) -> QuerySet[User]:
    """Active users who read the room: the only people a mention there may notify."""
    if room.kind == Room.Kind.DEPARTMENT:
        return readers_of(room.department)
    return User.objects.filter(is_active=True, chat_rooms__room=room)


def readers_among(room: Room, user_ids: Iterable[int]) -> set[int]:
    """Which of these users may still read the room (one query)."""
    ids = set(user_ids)
    if not ids:
        return set()
    return set(room_readers(room).filter(pk__in=ids).values_list("pk", flat=True))


def can_moderate_room(user, room: Room) -> bool:
    """A department room's moderators delete anyone's messages there."""
    return room.kind == Room.Kind.DEPARTMENT and can_moderate(user, room.department)


def is_owner(user, room: Room) -> bool:
    return RoomMember.objects.filter(room=room, user_id=user.pk, role=RoomMember.Role.OWNER).exists()


def can_invite(user, room: Room) -> bool:
    """Anyone in a group room may add colleagues to it; direct and department rooms have fixed members."""
    return room.kind == Room.Kind.GROUP and RoomMember.objects.filter(room=room, user_id=user.pk).exists()


def can_remove_member(user, room: Room, member: User) -> bool:
    """Anyone leaves a group room; its owners remove others."""
    if room.kind != Room.Kind.GROUP:
        return False
    return member.pk == user.pk or is_owner(user, room)


def can_rename(user, room: Room) -> bool:
    return room.kind == Room.Kind.GROUP and is_owner(user, room)


def access_message(user, message_id: object, *, action: str | None = None) -> Message:
    """A message in a room `user` may read; with `action` ("edit" or "delete"), one they may change.

    Missing, unreadable and deleted messages all answer `unknown_message`; a readable
    message the user may not change answers `Forbidden`.
    """
    pk = parse_id(message_id) if not isinstance(message_id, str) else None
    message = (
        Message.objects.filter(pk=pk, deleted_at__isnull=True)
        .select_related("room__department", "author__profile")
        .first()
        if pk
        else None
    )
    if message is None or not can_read_room(user, message.room):
        raise NotFound("unknown_message", UNKNOWN_MESSAGE)
    if action == "edit" and message.author_id != user.pk:
        raise Forbidden("forbidden", "Only the author can edit a message.")
    if action == "delete" and message.author_id != user.pk and not can_moderate_room(user, message.room):
        raise Forbidden("forbidden", "Only the author or a manager of the department can delete this message.")
    return message


def can_read_chat_file(user, name: str) -> bool:
    """A file sent in chat is served to the readers of its room while its message stands."""
    stored = (
        MessageFile.objects.filter(file=name, message__deleted_at__isnull=True)
        .select_related("message__room__department")
        .first()
    )
    return stored is not None and can_read_room(user, stored.message.room)
