"""Who may see and change a person's profile. The only place these rules live."""

from apps.core.errors import Forbidden, NotFound
from apps.core.ids import parse_id

from .models import Profile


def can_edit_profile(user, profile: Profile) -> bool:
    """People edit their own profile; admins edit anyone's (and set managers)."""
    return bool(user.is_authenticated and user.is_active and (user.pk == profile.user_id or user.is_staff))


def can_set_manager(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def access_profile(user, user_id: object, *, write: bool = False) -> Profile:
    """The only way a view gets a profile: 404 if not visible, 403 if not editable."""
    user_id = parse_id(user_id)
    if user.is_authenticated and user_id is not None and user.pk == user_id:
        # Accounts made by createsuperuser or the admin site get their profile on first visit.
        Profile.objects.get_or_create(user=user, defaults={"display_name": user.email.split("@")[0]})
    profile = (
        Profile.objects.visible_to(user).select_related("user", "manager__profile").filter(user_id=user_id).first()
        if user_id is not None
        else None
    )
    if profile is None:
        raise NotFound("unknown_person", "There is no such person.")
    if write and not can_edit_profile(user, profile):
        raise Forbidden("forbidden", "You can only edit your own profile.")
    return profile
