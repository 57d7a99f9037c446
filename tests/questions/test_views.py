"""Question pages and API: bad input and query counts on the lists (the permission matrix: test_permissions.py)."""

import pytest

from apps.questions import services
from apps.questions.models import Question

from .conftest import TARGETS, ids_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(department, product, member, manager, outsider, admin_user, product_member, question, secret):
    return ids_of(department, product, product_member, question, secret)


def test_the_inbox_api_of_the_department_asked(client_as, world, product_member):
    from django.test import Client

    client = Client()
    client.force_login(product_member)
    results = client.get("/api/v1/questions/?department=product&box=inbox&tab=unassigned").json()["results"]
    assert {r["id"] for r in results} == {world["question"], world["secret"]}


@pytest.mark.parametrize(
    ("data", "field"),
    [({"departments": []}, "departments"), ({"departments": ["nowhere"]}, "departments"),
     ({"departments": ["all-staff"]}, "departments"), ({"title": ""}, "title"), ({"is_confidential": "maybe"}, "is_confidential")],
)  # fmt: skip
def test_bad_questions_through_the_api_get_clear_errors_and_change_nothing(client_as, world, data, field):
    before = Question.objects.count()
    payload = {"asking_department": "sales", "departments": ["product"], "title": "T", "body": "B", **data}
    response = client_as("member").post("/api/v1/questions/", payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Question.objects.count() == before


def test_bad_targets_through_the_api_are_refused(client_as, world):
    response = client_as("manager").put(
        "/api/v1/response-targets/sales/", {**TARGETS, "closed_days": [], "day_ends": "08:00"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "day_ends" in response.json()["errors"]


def _many(department, product, member, count: int) -> None:
    for i in range(count):
        services.question_ask(acting_user=member, asking_department=department, departments=[product],
                              title=f"Question {i}", body="Details")  # fmt: skip


@pytest.mark.parametrize("count", [3, 30])
def test_question_lists_cost_a_constant_number_of_queries(
    client_as, department, product, member, product_member, count, django_assert_num_queries
):
    _many(department, product, member, count)
    client = client_as("member")
    client.get("/questions/")  # warm: session and caches, as on every later page
    # page of questions, my departments, both unread badges in one query (the session and the user
    # come from the cache)
    with django_assert_num_queries(3):
        assert client.get("/questions/").status_code == 200
    # department (+ role), page of questions asked, their targets, response targets,
    # figures 30 and 90 days, inbox counts, both unread badges (one query)
    with django_assert_num_queries(8):
        assert client.get("/questions/d/sales/?view=asked").status_code == 200
    # page, targets (the session's user from the cache)
    with django_assert_num_queries(2):
        assert client.get("/api/v1/questions/").status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_and_a_thread_cost_a_constant_number_of_queries(
    client_as, department, product, member, product_member, count, django_assert_num_queries
):
    from django.test import Client

    _many(department, product, member, count)
    question = Question.objects.order_by("pk").first()
    for i in range(count):
        services.answer_create(acting_user=product_member, question=question, body=f"Answer {i}")
    client = Client()
    client.force_login(product_member)
    client.get("/questions/")
    # department (+ role), inbox page, response targets, figures 30 and 90, counts, both unread
    # badges in one query
    with django_assert_num_queries(7):
        assert client.get("/questions/d/product/").status_code == 200
    # question, answers, their files, my reactions, comments, targets, my roles in the departments
    # asked, files of the question, both unread badges (one query)
    with django_assert_num_queries(9):
        assert client.get(f"/questions/{question.pk}/").status_code == 200
