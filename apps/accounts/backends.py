from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    """Loads the profile with the user: every page shows the user's name, so this saves a query per page."""

    def get_user(self, user_id):
        user = self._get_user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_user_with_profile(self, user_id):
        from .models import User

        return User._default_manager.select_related("profile").filter(pk=user_id).first()
