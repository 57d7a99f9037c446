from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"

    def ready(self) -> None:
        from django.db.models import Q

        from apps.core.mentions_api import register_mention_place
        from apps.departments.access import access_department_content, can_read, readers_of
        from apps.departments.models import Department
        from apps.files.access import register_file_access
        from apps.realtime.topics import register_topic

        from .models import Attachment, Post, PostImage
        from .services import FEED_TOPIC

        def can_read_post_file(user, name: str) -> bool:
            visible = Post.objects.visible_to(user)
            if name.startswith("feed/files/"):
                return Attachment.objects.filter(file=name, post__in=visible).exists()
            return PostImage.objects.filter(Q(image=name) | Q(thumbnail=name), post__in=visible).exists()

        def can_watch_feed(user, department_id: int) -> bool:
            department = Department.objects.filter(pk=department_id).first()
            return department is not None and can_read(user, department)

        def feed_readers(user, department_id: int):
            return readers_of(access_department_content(user, department_id))

        register_file_access("feed/", can_read_post_file)
        register_mention_place("department", feed_readers)
        register_topic(FEED_TOPIC, can_watch_feed)
