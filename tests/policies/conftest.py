"""Policies made through the services, like real ones."""

import pytest

from apps.departments.services import company_wide_department
from apps.policies import services

POLICY_TEXT = "### What we share\n\nShare *facts*, never **customer data**.\n\nAsk your manager when unsure."


@pytest.fixture
def company(db):
    return company_wide_department()


@pytest.fixture
def company_policy(company, admin_user):
    return services.policy_create(
        acting_user=admin_user, department=company, body=POLICY_TEXT, never_share_words=["salary", "merger"],
        never_share_patterns=[r"\bACC-\d{6}\b"],
    )  # fmt: skip


def make_sales_policy(department, manager):
    return services.policy_create(acting_user=manager, department=department, body="Sales: no prices in public.")


@pytest.fixture
def sales_policy(department, manager):
    return make_sales_policy(department, manager)


def accept(user, policy) -> None:
    policy.refresh_from_db()
    services.policy_accept(acting_user=user, policy=policy, version=policy.current_version)
