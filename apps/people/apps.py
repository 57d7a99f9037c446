from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "apps.people"

    def ready(self) -> None:
        from django.db.models import Q

        from apps.files.access import register_file_access

        from .models import Profile

        def can_read_photo(user, name: str) -> bool:
            return Profile.objects.visible_to(user).filter(Q(photo=name) | Q(photo_thumbnail=name)).exists()

        register_file_access("people/photos/", can_read_photo)
