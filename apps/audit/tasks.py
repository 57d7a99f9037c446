from datetime import timedelta

from django.tasks import task

from apps.core.periodic import periodic

from .services import purge_expired


@periodic(every=timedelta(hours=6))
@task
def purge_expired_audit_events() -> int:
    """Retention (AUDIT_RETENTION_DAYS), enforced by the worker."""
    return purge_expired()
