from django.conf import settings
from django.db import models


class DataExport(models.Model):
    """A person's request for a ZIP of their own data, built by the worker.

    The file lives under MEDIA_ROOT/exports/ with a random name; it is never served by the media
    view (no read rule admits that folder), only by the signed, time-limited link of its owner.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the worker"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.user_id} ({self.status})"
