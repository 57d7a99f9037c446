import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


def photo_path(instance: "Profile", filename: str) -> str:
    # Random names: a file URL reveals nothing and cannot be guessed from a user id.
    return f"people/photos/{uuid.uuid4().hex}.jpg"


def thumbnail_path(instance: "Profile", filename: str) -> str:
    return f"people/photos/{uuid.uuid4().hex}-thumb.jpg"


class ProfileQuerySet(models.QuerySet):
    def active(self) -> "ProfileQuerySet":
        return self.filter(user__is_active=True)

    def visible_to(self, user) -> "ProfileQuerySet":
        """The company directory is open to every active colleague, and to no one else."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.active()

    def search(self, query: str) -> "ProfileQuerySet":
        query = query.strip()
        if not query:
            return self
        condition = Q()
        for word in query.split()[:5]:
            condition &= (
                Q(display_name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(job_title__icontains=word)
                | Q(skills__icontains=word)
                | Q(location__icontains=word)
            )
        return self.filter(condition)


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=120, db_index=True)
    job_title = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True, max_length=5000, help_text="Markdown.")
    bio_html = models.TextField(blank=True, editable=False, help_text="`bio` rendered and sanitised on save.")
    skills = models.CharField(max_length=500, blank=True, help_text="Comma-separated.")
    location = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=100, blank=True, help_text="What people should know now, e.g. “In workshops all week”."
    )
    away_until = models.DateField(null=True, blank=True, help_text="Out of office until this day (included).")
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="IANA name, e.g. Europe/Paris; empty until the browser tells us."
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    photo = models.ImageField(upload_to=photo_path, blank=True, width_field=None)
    photo_thumbnail = models.ImageField(upload_to=thumbnail_path, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["photo"]), models.Index(fields=["photo_thumbnail"])]

    def __str__(self) -> str:
        return self.display_name

    # The profile travels with the cached user (apps.accounts.identity): every write drops that copy.
    def save(self, *args, **kwargs) -> None:
        from apps.accounts.identity import forget_user

        super().save(*args, **kwargs)
        forget_user(self.user_id)

    def delete(self, *args, **kwargs):
        from apps.accounts.identity import forget_user

        forget_user(self.user_id)
        return super().delete(*args, **kwargs)

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.split(",") if s.strip()]

    @property
    def is_away(self) -> bool:
        from django.utils import timezone

        return self.away_until is not None and self.away_until >= timezone.localdate()

    @property
    def status_line(self) -> str:
        """The status and out-of-office note in one short line, as chat and the directory show it."""
        parts = [f"Out of office until {self.away_until:%-d %b}"] if self.is_away else []
        if self.status:
            parts.append(self.status)
        return " · ".join(parts)

    @property
    def initials(self) -> str:
        parts = self.display_name.split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"
