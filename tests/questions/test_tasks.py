"""Escalation through the real task backend: the worker tells the assignee, then the managers, by e-mail with a link."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.notifications.models import Notification
from apps.questions import services
from apps.questions.models import QuestionTarget

# The worker closes its database connection between tasks, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _due_now(target: QuestionTarget) -> None:
    from django_tasks_db.models import DBTaskResult

    past = timezone.now() - timedelta(days=10)
    QuestionTarget.objects.filter(pk=target.pk).update(first_response_due_at=past, answer_due_at=past)
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=1))


def test_the_worker_escalates_a_late_question_by_email_with_a_link_and_no_content(
    secret, product, product_member, product_manager, mailoutbox, settings
):
    settings.SITE_URL = "https://intranet.example.com"
    target = services.question_assign(acting_user=product_manager, question=secret, department=product.pk,
                                      assignee_id=product_member.pk)  # fmt: skip
    run_worker()
    assert not Notification.objects.filter(kind="question_overdue").exists()  # not due yet
    _due_now(target)
    run_worker()
    told = set(Notification.objects.filter(kind="question_overdue").values_list("recipient__email", flat=True))
    assert "pia@example.com" in told
    run_worker()  # the next level was queued for a business day later, which has passed too
    _due_now(target)
    run_worker()
    told = set(Notification.objects.filter(kind="question_overdue").values_list("recipient__email", flat=True))
    assert told == {"pia@example.com", "pete@example.com"}
    assert mailoutbox and all(f"https://intranet.example.com/questions/{secret.pk}/" in m.body for m in mailoutbox)
    assert all("Lyon" not in m.body and "Lyon" not in m.subject for m in mailoutbox)


def test_the_worker_command_sweeps_up_late_questions_whose_task_was_lost(question, product_manager):
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    target = question.targets.get()
    QuestionTarget.objects.filter(pk=target.pk).update(first_response_due_at=timezone.now() - timedelta(days=10),
                                                       answer_due_at=timezone.now() - timedelta(days=10))  # fmt: skip
    call_command("run_worker", "--batch", verbosity=0)
    assert Notification.objects.filter(kind="question_overdue", recipient=product_manager).exists()
