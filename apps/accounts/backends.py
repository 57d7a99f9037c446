from django.contrib.auth.backends import ModelBackend

from .identity import user_for_session


class ProfileModelBackend(ModelBackend):
    """Loads the profile with the user (every page shows the user's name), from the cache when it can.

    `user_for_session` is the one lookup of a session's user for every backend (the SSO ones too).
    """

    def get_user(self, user_id):
        user = user_for_session(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
