"""Background work of game plans, run by `manage.py run_worker` (Django Tasks, database backend)."""

from datetime import timedelta

from django.tasks import task

from apps.core.periodic import periodic


@periodic(every=timedelta(hours=1))  # each reminder is sent once per period, so running late or twice is safe
@task
def send_plan_reminders() -> int:
    from .services import send_reminders

    return send_reminders()


@periodic(every=timedelta(hours=1))  # one computed check-in a day, updated in place: running twice is safe
@task
def measure_video_goals() -> int:
    """Goals measured from video completions take their value from the completion records."""
    from .services import measure_video_goals as measure

    return measure()
