import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

REACTION_EMOJI = {
    "thumbs_up": "👍",
    "heart": "❤️",
    "party": "🎉",
    "laugh": "😄",
    "surprised": "😮",
    "thinking": "🤔",
}
REACTION_LABELS = {
    "thumbs_up": "Thumbs up",
    "heart": "Heart",
    "party": "Celebrate",
    "laugh": "Laugh",
    "surprised": "Surprised",
    "thinking": "Thinking",
}


def post_image_path(instance: "PostImage", filename: str) -> str:
    return f"feed/images/{uuid.uuid4().hex}.jpg"


def post_thumbnail_path(instance: "PostImage", filename: str) -> str:
    return f"feed/images/{uuid.uuid4().hex}-thumb.jpg"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"feed/files/{uuid.uuid4().hex}"


class PostQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PostQuerySet":
        """Published, not deleted posts in the user's departments and in All staff.

        Admins are not included by their admin role: a department's posts are for its
        members, which is the product's confidentiality promise.
        """
        if not (user.is_authenticated and user.is_active):
            return self.none()
        from apps.departments.access import readable_department_ids

        return self.filter(
            department_id__in=readable_department_ids(user), published_at__isnull=False, deleted_at__isnull=True
        )

    def pinned(self, now=None) -> "PostQuerySet":
        now = now or timezone.now()
        return self.filter(kind=Post.Kind.ANNOUNCEMENT).filter(Q(pinned_until__isnull=True) | Q(pinned_until__gt=now))

    def not_pinned(self, now=None) -> "PostQuerySet":
        now = now or timezone.now()
        return self.exclude(Q(kind=Post.Kind.ANNOUNCEMENT) & (Q(pinned_until__isnull=True) | Q(pinned_until__gt=now)))


class Post(models.Model):
    class Kind(models.TextChoices):
        POST = "post", "Post"
        ANNOUNCEMENT = "announcement", "Announcement"

    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.POST)
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False)
    is_confidential = models.BooleanField(default=False)
    shared_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="shares")

    created_at = models.DateTimeField(auto_now_add=True)
    publish_at = models.DateTimeField(help_text="When the post appears; in the future for a scheduled post.")
    published_at = models.DateTimeField(null=True, blank=True, help_text="Set by the publisher; null while scheduled.")
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Announcements
    pinned_until = models.DateTimeField(null=True, blank=True, help_text="An announcement stays on top until then.")
    requires_ack = models.BooleanField(default=False)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    # Denormalised for the feed, updated by the services under a row lock.
    comment_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["department", "-published_at", "-id"], name="post_department_feed"),
            models.Index(fields=["-published_at", "-id"], name="post_feed"),
            models.Index(fields=["publish_at"], condition=Q(published_at__isnull=True), name="post_scheduled"),
            models.Index(fields=["department", "kind", "pinned_until"], name="post_pinned"),
            # Pinned announcements on the first page of every feed.
            models.Index(
                fields=["-published_at", "-id"], condition=Q(kind="announcement"), name="post_announcement_feed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} in {self.department_id}"

    @property
    def is_announcement(self) -> bool:
        return self.kind == self.Kind.ANNOUNCEMENT

    @property
    def is_scheduled(self) -> bool:
        return self.published_at is None

    @property
    def is_pinned(self) -> bool:
        return self.is_announcement and (self.pinned_until is None or self.pinned_until > timezone.now())

    def reaction_summary(self) -> list[tuple[str, str, str, int]]:
        """(key, emoji, label, count) for every reaction of the fixed set."""
        return [
            (key, emoji, REACTION_LABELS[key], self.reaction_counts.get(key, 0))
            for key, emoji in REACTION_EMOJI.items()
        ]


class PostVersion(models.Model):
    """An announcement's earlier text: a substantive edit makes a new version to acknowledge again."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "version"], name="one_row_per_post_version")]

    def __str__(self) -> str:
        return f"Version {self.version} of post {self.post_id}"


class Acknowledgement(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="acknowledgements")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user", "version"], name="acknowledge_once_per_version")]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged post {self.post_id} v{self.version}"


class AckReminder(models.Model):
    """Reminders sent for an announcement version, so the automatic one goes out once."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reminders")
    version = models.PositiveIntegerField()
    automatic = models.BooleanField(default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "version"], condition=Q(automatic=True), name="one_automatic_reminder_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder for post {self.post_id} v{self.version}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=post_image_path)
    thumbnail = models.ImageField(upload_to=post_thumbnail_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["image"]), models.Index(fields=["thumbnail"])]

    def __str__(self) -> str:
        return f"Image {self.position} of post {self.post_id}"


class Attachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["file"])]

    def __str__(self) -> str:
        return self.original_name


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(max_length=5_000)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["post", "id"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on post {self.post_id}"


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    emoji = models.CharField(max_length=20, choices=[(k, v) for k, v in REACTION_EMOJI.items()])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user", "emoji"], name="react_once_per_emoji")]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on post {self.post_id}"
