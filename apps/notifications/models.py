from datetime import datetime, timedelta, tzinfo

from django.conf import settings
from django.db import models


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a person should see: a mention, a reply, a status change, a reminder.

    `title` is shown inside the intranet only. Anything that leaves it (e-mail) carries
    the `url`, never the text of department-private content.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    department = models.ForeignKey(
        "departments.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.title}"


class NotificationSettings(models.Model):
    """A person's choices. Without a row, the defaults below apply."""

    EMAIL_KINDS = {
        "mention": "email_on_mention",
        "announcement": "email_on_announcement",
        "reminder": "email_on_announcement",
        "chat_direct": "email_on_chat",
        "chat_mention": "email_on_chat",
        "policy_reminder": "email_on_announcement",
        "question_overdue": "email_on_announcement",
    }

    class Digest(models.TextChoices):
        NONE = "none", "No digest"
        DAILY = "daily", "Every morning"
        WEEKLY = "weekly", "Monday mornings"

    IN_APP_KINDS = {"reaction": "notify_on_reaction", "reply": "notify_on_reply"}

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_on_mention = models.BooleanField("E-mail me when someone mentions me", default=True)
    email_on_announcement = models.BooleanField("E-mail me about announcements and reminders", default=True)
    notify_on_reply = models.BooleanField("Notify me of comments and replies to my posts", default=True)
    notify_on_reaction = models.BooleanField("Notify me of reactions to my posts", default=True)
    email_on_chat = models.BooleanField(
        "E-mail me about direct messages and chat mentions I have not read after a few minutes", default=True
    )
    quiet_from = models.TimeField("Quiet hours from", null=True, blank=True, help_text="No e-mails then (your time).")
    quiet_until = models.TimeField("Quiet hours until", null=True, blank=True)
    digest = models.CharField(
        "E-mail digest of what I missed", max_length=10, choices=Digest.choices, default=Digest.NONE
    )
    last_digest_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"

    def quiet_at(self, moment: datetime, zone: tzinfo) -> datetime | None:
        """If `moment` falls in the quiet hours, when they end (an aware datetime); else None."""
        if self.quiet_from is None or self.quiet_until is None or self.quiet_from == self.quiet_until:
            return None
        local = moment.astimezone(zone)
        now, start, end = local.time(), self.quiet_from, self.quiet_until
        inside = start <= now < end if start < end else (now >= start or now < end)
        if not inside:
            return None
        ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if ends <= local:
            ends += timedelta(days=1)
        return ends

    @classmethod
    def _filter(cls, user_ids: list[int], field: str | None) -> list[int]:
        if field is None or not user_ids:
            return list(user_ids)
        opted_out = set(cls.objects.filter(user_id__in=user_ids, **{field: False}).values_list("user_id", flat=True))
        return [pk for pk in user_ids if pk not in opted_out]

    @classmethod
    def wanting_email(cls, user_ids: list[int], kind: str) -> list[int]:
        if kind not in cls.EMAIL_KINDS:
            return []
        return cls._filter(user_ids, cls.EMAIL_KINDS[kind])

    @classmethod
    def wanting_in_app(cls, user_ids: list[int], kind: str) -> list[int]:
        return cls._filter(user_ids, cls.IN_APP_KINDS.get(kind))
