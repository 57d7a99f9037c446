from django.db import models


class PeriodicRun(models.Model):
    """When a periodic job last started (see `apps.core.periodic`): one row per job, locked to claim it."""

    name = models.CharField(max_length=200, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
