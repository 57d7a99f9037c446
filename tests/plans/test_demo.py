"""The demo game plans: every demo department and All staff get a plan with charted goals, routines, a review and slots."""

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import User
from apps.plans.models import CheckIn, Goal, Plan, Review, Routine, Slot

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(model.objects.count() for model in (Plan, Goal, CheckIn, Routine, Review, Slot))


def test_seed_demo_makes_a_believable_plan_per_department_and_is_idempotent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--users", "30", "--departments", "6", "--no-photos", "--posts", "5")
    company = Plan.objects.get(department__is_company_wide=True)
    sales = Plan.objects.get(department__slug="sales")
    assert sales.goals.count() == 3 and sales.routines.count() == 2 and sales.reviews.count() == 1
    assert all(goal.check_ins.count() >= 4 for goal in sales.goals.all())  # months of fortnightly check-ins
    assert sales.goals.filter(parent__plan=company).exists()  # rolls up into the company strategy
    before = _counts()
    call_command("seed_demo", "--users", "30", "--departments", "6", "--no-photos", "--posts", "5")
    assert _counts() == before
    bob = Client()
    bob.force_login(User.objects.get(email="bob@example.com"))
    html = bob.get("/plans/d/sales/").content.decode()
    assert 'class="chart goal-chart"' in html and "This week" in html and "Last review" in html
