"""What the Chat link's badge in the header counts (shown by `apps/core/shell.py`, with the notifications' badge)."""

from .models import Room, RoomSetting
from .selectors import with_unread


def unread_rooms(user):
    """The rooms whose unread messages the Chat link's badge counts (each with `unread_count`): every
    room the person reads but the ones they muted. Summed with the notifications' badge in one
    query by `apps/core/shell.py`."""
    muted = RoomSetting.objects.filter(user=user, level=RoomSetting.Level.NOTHING).values("room_id")
    # Only what the count needs: `rooms_for`'s other annotations cost more to build than the query takes.
    return with_unread(Room.objects.visible_to(user).exclude(pk__in=muted), user)


def unread_chat(user) -> int:
    """Unread chat messages over every room the person reads, but the ones they muted (one query)."""
    return sum(unread_rooms(user).values_list("unread_count", flat=True))
