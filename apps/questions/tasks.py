"""Background work of questions, run by `manage.py run_worker` (Django Tasks, database backend)."""

from django.tasks import task


@task
def escalate_question(target_id: int, phase: str) -> int:
    """Runs when a target falls due: tells the assignee, then the managers, if nothing came."""
    from .services import escalate

    return escalate(target_id=target_id, phase=phase)


@task
def escalate_overdue_questions() -> int:
    from .services import escalate_overdue

    return escalate_overdue()
