"""Who may read and write what in chat. The only place these rules live.

HTML views, API views and the WebSocket consumer all get rooms and messages through
`access_room` and `access_message`: a room that does not exist and a room the user may
not read give the same answer, so existence does not leak.
"""

from collections.abc import Iterable

from django.db.models import Q

from apps.accounts.models import User
from apps.departments.access import role_in
from apps.departments.models import Membership

from .models import Message, Room, RoomMember


class ChatError(Exception):
    """A refusal with a machine `code` and a human `detail`, the same over HTML, API and WebSocket."""

    def __init__(self, code: str, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


UNKNOWN_ROOM = "There is no such room, or you may not read it."
UNKNOWN_MESSAGE = "There is no such message, or you may not see it."


def access_room(user, room_id: object) -> Room:
    """The room if `user` may read it; `ChatError("unknown_room")` otherwise, whether it exists or not."""
    if not isinstance(room_id, int) or isinstance(room_id, bool) or room_id <= 0:
        raise ChatError("unknown_room", UNKNOWN_ROOM)
    room = Room.objects.select_related("department").filter(pk=room_id).first()
    if room is None or not can_read_room(user, room):
        raise ChatError("unknown_room", UNKNOWN_ROOM)
    return room


def can_read_room(user, room: Room) -> bool:
    """The rule of `Room.objects.visible_to`, for one room (simpler queries: it runs on every send)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if room.kind == Room.Kind.DEPARTMENT:
        return (
            room.department.is_company_wide
            or Membership.objects.filter(user=user, department_id=room.department_id).exists()
        )
    return RoomMember.objects.filter(room=room, user=user).exists()


def readers_among(room: Room, user_ids: Iterable[int]) -> set[int]:
    """Which of these users may still read the room (one query)."""
    ids = set(user_ids)
    if not ids:
        return set()
    active = User.objects.filter(pk__in=ids, is_active=True)
    if room.kind == Room.Kind.DEPARTMENT:
        if room.department.is_company_wide:
            return set(active.values_list("pk", flat=True))
        return set(active.filter(memberships__department_id=room.department_id).values_list("pk", flat=True))
    return set(active.filter(chat_rooms__room=room).values_list("pk", flat=True))


def can_moderate(user, room: Room) -> bool:
    """Department managers delete anyone's messages in their department's room."""
    return room.kind == Room.Kind.DEPARTMENT and role_in(user, room.department) == Membership.Role.MANAGER


def is_owner(user, room: Room) -> bool:
    return RoomMember.objects.filter(room=room, user=user, role=RoomMember.Role.OWNER).exists()


def can_invite(user, room: Room) -> bool:
    """Anyone in a group room may add colleagues to it; direct and department rooms have fixed members."""
    return room.kind == Room.Kind.GROUP and RoomMember.objects.filter(room=room, user=user).exists()


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
    message the user may not change answers `forbidden`.
    """
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id <= 0:
        raise ChatError("unknown_message", UNKNOWN_MESSAGE)
    message = (
        Message.objects.filter(pk=message_id, room__in=Room.objects.visible_to(user), deleted_at__isnull=True)
        .select_related("room__department", "author__profile")
        .first()
    )
    if message is None:
        raise ChatError("unknown_message", UNKNOWN_MESSAGE)
    if action == "edit" and message.author_id != user.pk:
        raise ChatError("forbidden", "Only the author can edit a message.")
    if action == "delete" and message.author_id != user.pk and not can_moderate(user, message.room):
        raise ChatError("forbidden", "Only the author or a manager of the department can delete this message.")
    return message


def mentionable_users(room: Room):
    """Active users who can read the room: the only people a mention there may notify."""
    users = User.objects.filter(is_active=True)
    if room.kind == Room.Kind.DEPARTMENT:
        if room.department.is_company_wide:
            return users
        return users.filter(memberships__department_id=room.department_id)
    return users.filter(Q(chat_rooms__room=room))
