from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .services import unread_count


def unread_notifications(request: HttpRequest) -> dict:
    """The badge in the header: one cheap count per page, only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
