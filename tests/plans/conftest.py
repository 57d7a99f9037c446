"""A game plan for Sales (the cast's department): a goal owned by `member`, a routine, a slot and a review."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.departments.services import company_wide_department
from apps.plans import services


def goal_data(person, **changes) -> dict:
    today = timezone.localdate()
    data = {
        "title": "Answer questions within a day", "description": "Share of questions answered in a day.",
        "unit": "%", "baseline": "50", "target": "90", "direction": "up", "owner": person.pk,
        "serves_mission": True, "parent": None, "starts_on": today - timedelta(days=30),
        "due_on": today + timedelta(days=60), "cadence": "weekly",
    }  # fmt: skip
    return {**data, **changes}


@pytest.fixture
def company(db):
    return company_wide_department()


def make_goal(department, manager, member):
    return services.goal_create(acting_user=manager, department=department, data=goal_data(member))


def make_routine(department, manager, member):
    return services.routine_create(
        acting_user=manager, department=department, title="Post a video", owner_id=member.pk, cadence="monthly"
    )


def make_slot(department, manager, member):
    return services.slot_create(
        acting_user=manager, department=department, on=timezone.localdate() + timedelta(days=3), channel="post",
        theme="Customer story", owner_id=member.pk,
    )  # fmt: skip


def make_review(department, manager, goal):
    return services.review_create(
        acting_user=manager, department=department, worked="Check-ins", changes="More video",
        proposals=[{"goal": goal.pk, "target": "95"}],
    )  # fmt: skip


@pytest.fixture
def goal(department, manager, member):
    return make_goal(department, manager, member)


@pytest.fixture
def routine(department, manager, member):
    return make_routine(department, manager, member)


@pytest.fixture
def slot(department, manager, member):
    return make_slot(department, manager, member)


@pytest.fixture
def review(department, manager, goal):
    return make_review(department, manager, goal)
