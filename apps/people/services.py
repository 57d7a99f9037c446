"""Writes on people's profiles. Each takes the `acting_user` and authorises them (`access`)."""

from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import Invalid, require, validating
from apps.core.images import ImageLimits, open_validated_image, square_jpeg
from apps.core.markdown import render_markdown

from .access import can_edit_profile, can_set_manager
from .models import Profile
from .timezones import clean_time_zone

EDITABLE_FIELDS = ("display_name", "job_title", "bio", "skills", "location", "phone", "time_zone", "status")
UNCHANGED = object()


def _normalise_skills(skills: str) -> str:
    seen: dict[str, None] = {}
    for skill in skills.split(","):
        skill = " ".join(skill.split())
        if skill and skill.lower() not in {s.lower() for s in seen}:
            seen[skill] = None
    return ", ".join(seen)


def _require_editor(acting_user: User | None, profile: Profile) -> None:
    if acting_user is not None:
        require(can_edit_profile(acting_user, profile), "You can only edit your own profile.")


def profile_update(
    *,
    acting_user: User | None,
    profile: Profile,
    manager_id: object = UNCHANGED,
    away_until: object = UNCHANGED,
    **fields: str,
) -> Profile:
    """Change profile fields; the bio is rendered and sanitised once, here, not on every page view."""
    _require_editor(acting_user, profile)
    if manager_id is not UNCHANGED and acting_user is not None:
        require(can_set_manager(acting_user), "Only admins set a person's manager.")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    shown_on_cards = profile.display_name
    for name, value in fields.items():
        setattr(profile, name, (value or "").strip())
    if "skills" in fields:
        profile.skills = _normalise_skills(profile.skills)
    if fields.get("time_zone"):
        profile.time_zone = clean_time_zone(profile.time_zone)
    if manager_id is not UNCHANGED:
        if manager_id is not None and manager_id == profile.user_id:
            raise Invalid.field("manager", "A person cannot be their own manager.")
        if manager_id is not None and _would_loop(profile.user_id, manager_id):
            raise Invalid.field("manager", "That would make a loop in the org chart.")
        profile.manager_id = manager_id
    if away_until is not UNCHANGED:
        if away_until is not None and not isinstance(away_until, date):
            raise Invalid.field("away_until", "Give the last day you are away, or nothing.")
        profile.away_until = away_until
    if not profile.display_name:
        raise Invalid.field("display_name", "A display name is required.")
    profile.bio_html = render_markdown(profile.bio)
    with validating():
        profile.full_clean(exclude=["photo", "photo_thumbnail", "user"])
    profile.save()
    if profile.display_name != shown_on_cards:
        _forget_cards_showing(profile)
    return profile


def _forget_cards_showing(profile: Profile) -> None:
    """Post cards are cached with their author's and commenters' names and photos (apps/feed/cards.py)."""
    from apps.feed.cards import forget_person

    forget_person(profile.user_id)


def _would_loop(user_id: int, manager_id: int) -> bool:
    """True if `user_id` already sits above `manager_id` in the chain of managers."""
    seen = set()
    current = manager_id
    while current is not None and current not in seen:
        if current == user_id:
            return True
        seen.add(current)
        current = Profile.objects.filter(user_id=current).values_list("manager_id", flat=True).first()
    return False


def photo_limits() -> ImageLimits:
    return ImageLimits(max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)


def profile_set_photo(*, acting_user: User | None, profile: Profile, upload: UploadedFile) -> Profile:
    """Validate the upload by content, then store an EXIF-free square photo and a thumbnail."""
    _require_editor(acting_user, profile)
    image = open_validated_image(upload, photo_limits())
    photo = square_jpeg(image, settings.PHOTO_SIZE)
    thumbnail = square_jpeg(image, settings.PHOTO_THUMBNAIL_SIZE, quality=80)
    old_files = [f for f in (profile.photo, profile.photo_thumbnail) if f]
    old_names = [f.name for f in old_files]
    profile.photo.save("photo.jpg", ContentFile(photo), save=False)
    profile.photo_thumbnail.save("thumb.jpg", ContentFile(thumbnail), save=False)
    profile.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
    _forget_cards_showing(profile)
    transaction.on_commit(lambda: _delete_files(profile.photo.storage, old_names))
    return profile


def profile_remove_photo(*, acting_user: User | None, profile: Profile) -> Profile:
    _require_editor(acting_user, profile)
    old_names = [f.name for f in (profile.photo, profile.photo_thumbnail) if f]
    storage = profile.photo.storage
    profile.photo = ""
    profile.photo_thumbnail = ""
    profile.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
    _forget_cards_showing(profile)
    transaction.on_commit(lambda: _delete_files(storage, old_names))
    return profile


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


def profile_set_time_zone(*, acting_user: User, time_zone: object, only_if_unset: bool = False) -> Profile:
    """The browser tells us the person's zone at their first visit (`only_if_unset`); they can change it later."""
    profile = acting_user.profile
    name = clean_time_zone(time_zone)
    if only_if_unset and profile.time_zone:
        return profile
    profile.time_zone = name
    profile.save(update_fields=["time_zone", "updated_at"])
    return profile
