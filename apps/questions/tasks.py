"""Background work of questions, run by `manage.py run_worker` (Django Tasks, database backend)."""

from datetime import timedelta

from django.tasks import task

from apps.core.periodic import periodic


@task
def escalate_question(target_id: int, phase: str) -> int:
    """Runs when a target falls due: tells the assignee, then the managers, if nothing came."""
    from .services import escalate

    return escalate(target_id=target_id, phase=phase)


@periodic(every=timedelta(hours=1))  # a safety net: each question also has its own task at its due time
@task
def escalate_overdue_questions() -> int:
    from .services import escalate_overdue

    return escalate_overdue()
