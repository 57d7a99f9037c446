"""What the Chat link's badge in the header counts (shown by `apps/core/shell.py`, with the notifications' badge)."""

from .models import RoomSetting
from .selectors import rooms_for


def unread_rooms(user):
    """The rooms whose unread messages the Chat link's badge counts (each with `unread_count`): every
    room the person reads but the ones they muted. Summed with the notifications' badge in one
    query by `apps/core/shell.py`."""
    return rooms_for(user).exclude(level=RoomSetting.Level.NOTHING)


def unread_chat(user) -> int:
    """Unread chat messages over every room the person reads, but the ones they muted (one query)."""
    return sum(unread_rooms(user).values_list("unread_count", flat=True))
