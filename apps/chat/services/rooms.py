"""Writes on chat rooms: department rooms (following their department), group rooms, direct rooms.

Each takes the `acting_user` (None: the system, e.g. a department's membership service)
and authorises through `access` itself.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.accounts.models import User
from apps.core.errors import Forbidden, Invalid, require
from apps.departments.models import Department
from apps.notifications.services import notify
from apps.realtime.rights import rights_changed

from .. import selectors
from ..access import access_room, can_invite, can_remove_member, can_rename
from ..events import RoomSummary
from ..models import Room, RoomMember
from .messages import start_reading
from .streams import publish_room_event, revoke, send_to_user

GROUP_NAME_MAX = 80
TOPIC_MAX = 250


# --- Department rooms (called by apps.departments.services, which authorises)


def chat_room_for_department(department: Department) -> Room:
    room, _ = Room.objects.get_or_create(kind=Room.Kind.DEPARTMENT, department=department)
    return room


def department_saved(sender: type, instance: Department, created: bool, raw: bool = False, **kwargs: object) -> None:
    """Every department has its room, however it was made (the service, a shell, a script).

    A signal rather than a call in each place, so the chat pages need not check on every request;
    `bulk_create` sends none, and the demo data calls `ensure_department_rooms` after it.
    """
    if created and not raw:
        chat_room_for_department(instance)


def ensure_department_rooms() -> None:
    """Create the rooms of departments made by `bulk_create` (demo data). Idempotent."""
    missing = Department.objects.filter(chat_room__isnull=True)
    if missing.exists():
        Room.objects.bulk_create(
            [Room(kind=Room.Kind.DEPARTMENT, department=d) for d in missing], ignore_conflicts=True
        )


def department_member_added(*, department: Department, user: User) -> None:
    room = chat_room_for_department(department)
    start_reading(room, [user])
    send_to_user(user.pk, {"type": "chat.room_added", "room": room_summary(room, user)})


def department_member_removed(*, department: Department, user: User) -> None:
    """Called after the membership row is gone: the user's sockets leave the room at once."""
    room = Room.objects.filter(kind=Room.Kind.DEPARTMENT, department=department).first()
    if room is not None:
        revoke(room, [user.pk])


def department_room_closing(*, department: Department) -> None:
    """The department (and with it its room) is being deleted: every subscriber is told and dropped."""
    room = Room.objects.filter(kind=Room.Kind.DEPARTMENT, department=department).first()
    if room is not None:
        publish_room_event(room.pk, {"kind": "close", "rev": room.revision + 1})


# --- Group rooms


def _clean_name(name: object) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise Invalid.field("name", "A group room needs a name.", code="bad_name")
    if len(name) > GROUP_NAME_MAX:
        raise Invalid.field("name", f"A room name can be at most {GROUP_NAME_MAX} characters long.", code="bad_name")
    return name


def _clean_topic(topic: object) -> str:
    topic = " ".join(str(topic or "").split())
    if len(topic) > TOPIC_MAX:
        raise Invalid.field("topic", f"A topic can be at most {TOPIC_MAX} characters long.", code="bad_topic")
    return topic


def _active_colleagues(user_ids: Iterable[object]) -> list[User]:
    ids = set()
    for value in user_ids:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
            raise Invalid("unknown_user", "Give people by their user id.")
        ids.add(value)
    users = list(User.objects.filter(pk__in=ids, is_active=True).select_related("profile"))
    if len(users) != len(ids):
        raise Invalid("unknown_user", "Some of these people do not exist or their account is deactivated.")
    return users


@transaction.atomic
def group_room_create(
    *, acting_user: User, name: object, topic: object = "", member_ids: Iterable[object] = ()
) -> Room:
    name, topic = _clean_name(name), _clean_topic(topic)
    members = [u for u in _active_colleagues(member_ids) if u.pk != acting_user.pk]
    room = Room.objects.create(kind=Room.Kind.GROUP, name=name, topic=topic, created_by=acting_user)
    RoomMember.objects.create(room=room, user=acting_user, role=RoomMember.Role.OWNER, added_by=acting_user)
    RoomMember.objects.bulk_create([RoomMember(room=room, user=u, added_by=acting_user) for u in members])
    start_reading(room, [acting_user, *members])
    for user in [acting_user, *members]:
        send_to_user(user.pk, {"type": "chat.room_added", "room": room_summary(room, user)})
    _notify_added(room=room, users=members, by=acting_user)
    return room


def group_room_update(*, acting_user: User, room_id: object, name: object = None, topic: object = None) -> Room:
    room = access_room(acting_user, room_id)
    require(can_rename(acting_user, room), "Only the room's owner can rename it or change its topic.")
    if name is not None:
        room.name = _clean_name(name)
    if topic is not None:
        room.topic = _clean_topic(topic)
    room.save(update_fields=["name", "topic"])
    return room


@transaction.atomic
def room_member_add(*, acting_user: User, room_id: object, user_id: object) -> RoomMember:
    room = access_room(acting_user, room_id)
    require(can_invite(acting_user, room), "Only people in a group room can add colleagues to it.")
    (user,) = _active_colleagues([user_id])
    member, created = RoomMember.objects.get_or_create(room=room, user=user, defaults={"added_by": acting_user})
    if created:
        start_reading(room, [user])
        send_to_user(user.pk, {"type": "chat.room_added", "room": room_summary(room, user)})
        _notify_added(room=room, users=[user], by=acting_user)
    return member


@transaction.atomic
def room_member_remove(*, acting_user: User, room_id: object, user_id: object) -> None:
    """Leave a group room, or (its owner) remove someone. Their sockets stop receiving it at once."""
    room = access_room(acting_user, room_id)
    member = (
        RoomMember.objects.filter(room=room, user_id=user_id).select_related("user").first()
        if isinstance(user_id, int) and not isinstance(user_id, bool) and 0 < user_id < 2**63
        else None
    )
    if member is None:
        raise Invalid("unknown_user", "This person is not in the room.")
    if not can_remove_member(acting_user, room, member.user):
        raise Forbidden("forbidden", "Only the room's owner can remove other people.")
    member.delete()
    if member.role == RoomMember.Role.OWNER and not RoomMember.objects.filter(room=room, role="owner").exists():
        heir = RoomMember.objects.filter(room=room).order_by("created_at", "pk").first()
        if heir is not None:  # a room keeps an owner while anyone is in it
            RoomMember.objects.filter(pk=heir.pk).update(role=RoomMember.Role.OWNER)
    revoke(room, [member.user_id])
    rights_changed([member.user_id])


def _notify_added(*, room: Room, users: Iterable[User], by: User) -> None:
    notify(
        recipients=users,
        kind="chat_added",
        title=f"{by.display_name} added you to the chat room {room.name}",
        url=reverse("chat:room", args=[room.pk]),
        actor=by,
    )


# --- Direct rooms


def direct_room(*, acting_user: User, other_id: object) -> tuple[Room, bool]:
    """The one direct room of two people, created on first use; returns `(room, created)`."""
    user = acting_user
    (other,) = _active_colleagues([other_id])
    if other.pk == user.pk:
        raise Invalid("unknown_user", "Direct messages are between two different people.")
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
            start_reading(room, [user, other])
            send_to_user(
                user.pk, {"type": "chat.room_added", "room": room_summary(room, user, other_name=other.display_name)}
            )
            send_to_user(
                other.pk, {"type": "chat.room_added", "room": room_summary(room, other, other_name=user.display_name)}
            )
    except IntegrityError:  # created by the other person at the same moment
        return Room.objects.get(direct_key=key), False
    return room, True


def room_summary(room: Room, user: User, *, other_name: str | None = None) -> RoomSummary:
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
