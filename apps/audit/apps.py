from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the retention job with apps.core.periodic)
