from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import RoomSetting
from .selectors import rooms_for


def unread_chat(user) -> int:
    """Unread chat messages over every room the person reads, but the ones they muted (one query)."""
    counts = rooms_for(user).exclude(level=RoomSetting.Level.NOTHING).values_list("unread_count", flat=True)
    return sum(counts)


def unread_chat_messages(request: HttpRequest) -> dict:
    """The Chat link's badge on every page; evaluated only by pages that show it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_chat": 0}
    return {"unread_chat": SimpleLazyObject(lambda: unread_chat(user))}
