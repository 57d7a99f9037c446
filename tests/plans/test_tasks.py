"""Reminders through the real worker: check-ins due, routines not done this period, slots due soon; each once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.plans import services
from apps.plans.tasks import send_plan_reminders

pytestmark = pytest.mark.django_db(transaction=True)


def test_owners_are_reminded_through_the_worker_once(goal, routine, slot, member, run_worker):
    goal.last_check_in_on = timezone.localdate() - timedelta(days=8)  # weekly: a check-in is due
    goal.save()
    send_plan_reminders.enqueue()
    run_worker()
    titles = sorted(Notification.objects.filter(recipient=member, kind="plan").values_list("title", flat=True))
    assert [t.split(":")[0] for t in titles] == ["A check-in is due", "Due on " + slot.on.strftime("%d %b"),
                                                  "Routine due"]  # fmt: skip
    send_plan_reminders.enqueue()
    run_worker()
    assert Notification.objects.filter(recipient=member, kind="plan").count() == 3


def test_no_reminder_once_checked_in_or_done(goal, routine, member, run_worker):
    services.check_in_record(acting_user=member, goal=goal, value="60")
    services.routine_mark_done(acting_user=member, routine=routine)
    send_plan_reminders.enqueue()
    run_worker()
    assert not Notification.objects.filter(recipient=member, kind="plan").exists()
