"""Questions from Sales (the cast's department) to Product, made through the services like real ones."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.questions import services
from tests.factories import DepartmentFactory, UserFactory, add_member

TARGETS = {"first_response_days": "1", "answer_days": "3", "time_zone": "Europe/Paris", "working_days": [0, 1, 2, 3, 4],
           "day_starts": "09:00", "day_ends": "17:00", "holiday_country": "FR", "closed_days": ""}  # fmt: skip


def make_product():
    return DepartmentFactory(name="Product", description="What we build.")


def make_product_member(product):
    user = UserFactory(email="pia@example.com", display_name="Pia Product")
    add_member(product, user)
    return user


def make_product_manager(product):
    user = UserFactory(email="pete@example.com", display_name="Pete Productlead")
    add_member(product, user, "manager")
    return user


def make_question(department, member, product):
    return services.question_ask(
        acting_user=member, asking_department=department, departments=[product],
        title="When does the export fix ship?", body="Customers ask **daily**. Can you give us a date?",
    )  # fmt: skip


def make_secret(department, member, product):
    return services.question_ask(
        acting_user=member, asking_department=department, departments=[product], is_confidential=True,
        title="Is the Lyon site closing?", body="A customer heard a rumour.",
    )  # fmt: skip


def ids_of(department, product, product_member, question, secret) -> dict:
    """The matrices' world: the two questions, an answer with a file, the departments."""
    answer = services.answer_create(
        acting_user=product_member, question=secret, body="No.",
        attachments=[SimpleUploadedFile("note.txt", b"Nothing is closing.")],
    )  # fmt: skip
    return {
        "question": question.pk, "secret": secret.pk, "answer": answer.pk, "sales": department.pk,
        "product": product.pk, "file": f"/media/{answer.attachments.get().file.name}",
    }  # fmt: skip


@pytest.fixture
def product(db):
    return make_product()


@pytest.fixture
def product_member(product):
    return make_product_member(product)


@pytest.fixture
def product_manager(product):
    return make_product_manager(product)


@pytest.fixture
def question(department, member, product, product_member, product_manager):
    return make_question(department, member, product)


@pytest.fixture
def secret(department, member, product, product_member, product_manager):
    return make_secret(department, member, product)
