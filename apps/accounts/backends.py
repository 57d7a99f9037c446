from typing import Any

from django.contrib.auth.backends import ModelBackend

from .identity import auser_for_session, user_for_session
from .models import User


class SessionUserMixin:
    """A session's user for every backend (the SSO ones too): `user_for_session`, and only while active.

    `aget_user` is what a WebSocket handshake asks (`django.contrib.auth.aget_user`): the
    same lookup from the event loop, without a thread unless the cache misses.
    """

    def get_user(self, user_id: Any) -> User | None:
        return _if_active(user_for_session(user_id))

    async def aget_user(self, user_id: Any) -> User | None:
        return _if_active(await auser_for_session(user_id))


def _if_active(user: User | None) -> User | None:
    return user if user is not None and user.is_active else None


class ProfileModelBackend(SessionUserMixin, ModelBackend):
    """Loads the profile with the user (every page shows the user's name), from the cache when it can."""
