"""The audit log: one row per security-relevant action, never changed or removed by the app.

Actor and target are stored as ids plus a text snapshot, not foreign keys: an entry must
outlive the account or department it names (a foreign key would cascade or be nulled, which
is an UPDATE the database refuses). On PostgreSQL a trigger (migration 0002) refuses UPDATE
and DELETE outright; only the retention job, which sets `audit.allow_purge` for its own
transaction, may delete entries older than `AUDIT_RETENTION_DAYS`.
"""

from django.db import models

from .actions import ACTIONS


class AppendOnly(Exception):
    """Raised for any attempt to change or delete an entry through the ORM."""


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AuditEventQuerySet":
        from .access import can_read_audit

        return self if can_read_audit(user) else self.none()

    def update(self, **kwargs):
        raise AppendOnly("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnly("Audit entries cannot be deleted.")

    def _purge(self) -> int:
        """Only for `services.purge_expired` (the database checks it too)."""
        return models.QuerySet.delete(self)[0]


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=40, choices=sorted(ACTIONS.items()), db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text="Empty: the system.")
    actor_email = models.CharField(max_length=254, blank=True)
    target_type = models.CharField(max_length=60, blank=True, db_index=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_email or 'system'}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit entries cannot be deleted.")

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)
