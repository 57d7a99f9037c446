"""Background work of game plans, run by `manage.py run_worker` (Django Tasks, database backend)."""

from datetime import timedelta

from django.tasks import task

from apps.core.periodic import periodic


@periodic(every=timedelta(hours=1))  # each reminder is sent once per period, so running late or twice is safe
@task
def send_plan_reminders() -> int:
    from .services import send_reminders

    return send_reminders()
