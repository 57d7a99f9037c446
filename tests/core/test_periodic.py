"""Periodic jobs: each runs once per period, however many workers or restarts tick."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import periodic
from apps.core.models import PeriodicRun

pytestmark = pytest.mark.django_db


def test_a_job_is_enqueued_once_per_period_and_again_when_the_period_has_passed():
    names = periodic.enqueue_due()
    assert "apps.notifications.emails.send_due_digests" in names
    assert periodic.enqueue_due() == []  # a second worker's tick finds nothing due
    PeriodicRun.objects.update(last_started_at=timezone.now() - timedelta(days=1))
    assert periodic.enqueue_due() == names


def test_only_one_chain_of_ticks_goes_on():
    from django_tasks_db.models import DBTaskResult

    periodic.tick.call()  # the first chain re-queues itself
    periodic.tick.call()  # a second one, started by a restarted worker, stops
    assert DBTaskResult.objects.filter(task_path="apps.core.periodic.tick").count() == 1
