"""Questions from Sales (the cast's department) to Product, made through the services like real ones."""

import pytest

from apps.questions import services
from tests.factories import DepartmentFactory, UserFactory, add_member


@pytest.fixture
def product(db):
    return DepartmentFactory(name="Product", description="What we build.")


@pytest.fixture
def product_member(product):
    user = UserFactory(email="pia@example.com", display_name="Pia Product")
    add_member(product, user)
    return user


@pytest.fixture
def product_manager(product):
    user = UserFactory(email="pete@example.com", display_name="Pete Productlead")
    add_member(product, user, "manager")
    return user


@pytest.fixture
def question(department, member, product, product_member, product_manager):
    return services.question_ask(
        acting_user=member, asking_department=department, departments=[product],
        title="When does the export fix ship?", body="Customers ask **daily**. Can you give us a date?",
    )  # fmt: skip


@pytest.fixture
def secret(department, member, product, product_member, product_manager):
    return services.question_ask(
        acting_user=member, asking_department=department, departments=[product], is_confidential=True,
        title="Is the Lyon site closing?", body="A customer heard a rumour.",
    )  # fmt: skip
