"""Ideas and polls on the Sales board, made through the services like real ones."""

import pytest

from apps.voting import services
from apps.voting.models import Idea, Poll


def make_idea(department, colleague) -> Idea:
    return services.idea_create(
        acting_user=colleague, department=department, title="Dark mode for the CRM", description="Our eyes **hurt**."
    )


def make_other_idea(department, colleague) -> Idea:
    return services.idea_create(acting_user=colleague, department=department, title="Night theme in the CRM")


@pytest.fixture
def idea(department, colleague) -> Idea:
    """By `colleague` (tests/conftest.py), so `member` is neither its author nor a manager."""
    return make_idea(department, colleague)


@pytest.fixture
def other_idea(department, colleague) -> Idea:
    return make_other_idea(department, colleague)


@pytest.fixture
def company_wide(db):
    from apps.departments.services import company_wide_department

    return company_wide_department()


def make_poll(department, author, kind: str = "single", *, options=("Red", "Green", "Blue"), **extra) -> Poll:
    return services.poll_create(
        acting_user=author, department=department, question="Which colour?", kind=kind, options=list(options), **extra
    )


def option_ids(poll: Poll) -> list[int]:
    return list(poll.options.order_by("position").values_list("pk", flat=True))


@pytest.fixture
def poll(department, colleague) -> Poll:
    return make_poll(department, colleague)
