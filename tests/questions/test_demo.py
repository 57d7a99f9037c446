"""The demo steps of questions and policies: idempotent, every state present, demo logins free to post."""

import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.departments.access import can_contribute
from apps.departments.models import Department
from apps.policies import demo as policies_demo
from apps.policies import gate
from apps.policies.models import Policy, PolicyAcceptance
from apps.questions import demo as questions_demo
from apps.questions.models import Question, QuestionTarget

pytestmark = pytest.mark.django_db


def _snapshot():
    return (Question.objects.count(), QuestionTarget.objects.count(), Policy.objects.count(),
            PolicyAcceptance.objects.count())  # fmt: skip


def test_demo_questions_and_policies_in_every_state_and_idempotent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--users", "30", "--departments", "6", "--no-photos", "--posts", "5")
    questions_demo.seed(rng=random.Random(1))
    policies_demo.seed(rng=random.Random(1))
    first = _snapshot()
    questions_demo.seed(rng=random.Random(2))
    policies_demo.seed(rng=random.Random(2))
    assert _snapshot() == first

    now = timezone.now()
    assert Question.objects.filter(status="answered").exists()
    assert Question.objects.filter(status="open", is_confidential=True).exists()
    assert QuestionTarget.objects.filter(assignee__isnull=False, question__status="open").exists()
    assert any(t.is_overdue(now) for t in QuestionTarget.objects.all())
    assert Question.objects.filter(status="open", comments__isnull=False, answers__isnull=False).exists()  # reopened

    company = Policy.objects.get(department__is_company_wide=True)
    assert (company.current_version, company.required_version) == (3, 2)
    holdout = policies_demo.non_accepting_person()
    everyone = User.objects.filter(is_active=True)
    pending = [u.email for u in everyone if gate.pending_for(u)]
    assert pending == [holdout.email]
    company_space, sales = Department.objects.get(is_company_wide=True), Department.objects.get(slug="sales")
    for email in policies_demo.PRINTED_LOGINS:  # the printed demo logins post at once
        assert can_contribute(User.objects.get(email=email), company_space)
    assert can_contribute(User.objects.get(email="bob@example.com"), sales)
    assert not can_contribute(holdout, company_space)
