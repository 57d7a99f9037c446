"""Question pages, API and files: the permission matrix, bad input, query counts on the lists."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.questions import services
from apps.questions.models import Question
from tests.matrix import cases, check, matrix
from tests.matrix import expect as S

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(department, product, member, manager, outsider, admin_user, product_member, question, secret):
    answer = services.answer_create(
        acting_user=product_member, question=secret, body="No.",
        attachments=[SimpleUploadedFile("note.txt", b"Nothing is closing.")],
    )  # fmt: skip
    return {
        "question": question.pk, "secret": secret.pk, "answer": answer.pk, "sales": department.pk,
        "product": product.pk, "file": f"/media/{answer.attachments.get().file.name}",
    }  # fmt: skip


TARGETS = {"first_response_days": "1", "answer_days": "3", "time_zone": "Europe/Paris", "working_days": [0, 1, 2, 3, 4],
           "day_starts": "09:00", "day_ends": "17:00", "holiday_country": "FR", "closed_days": ""}  # fmt: skip

PAGES = matrix(
    ("get", "/questions/", None, S(302, 200, 200, 200, 200)),
    ("get", "/questions/ask/", None, S(302, 200, 200, 200, 200)),
    ("post", "/questions/ask/", {"asking_department": "{sales}", "departments": ["{product}"], "title": "Price list?",
                                 "body": "For the fair"}, S(302, 400, 302, 302, 400)),
    ("get", "/questions/{question}/", None, S(302, 200, 200, 200, 200)),
    ("get", "/questions/{secret}/", None, S(302, 404, 200, 200, 404)),
    ("get", "/questions/{secret}/?fragment=thread", None, S(302, 404, 200, 200, 404)),
    ("post", "/questions/{question}/answers/", {"body": "Not sure"}, S(302, 302, 302, 302, 302)),
    ("post", "/questions/{secret}/answers/", {"body": "Not sure"}, S(302, 404, 302, 302, 404)),
    ("post", "/questions/{secret}/comments/", {"body": "Thanks"}, S(302, 404, 302, 302, 404)),
    ("post", "/questions/{secret}/reopen/", None, S(302, 404, 302, 403, 404)),
    ("post", "/questions/{secret}/assign/", {"department": "{product}", "assignee": ""}, S(302, 404, 403, 403, 404)),
    ("post", "/questions/{secret}/to-post/", {"department": "{product}"}, S(302, 404, 403, 403, 404)),
    ("post", "/questions/{secret}/to-idea/", {"department": "{product}"}, S(302, 404, 403, 403, 404)),
    ("post", "/questions/answers/{answer}/accept/", None, S(302, 404, 302, 403, 404)),
    ("post", "/questions/answers/{answer}/edit/", {"body": "Yes"}, S(302, 404, 403, 403, 404)),
    ("post", "/questions/answers/{answer}/delete/", None, S(302, 404, 403, 403, 404)),
    ("post", "/questions/answers/{answer}/react/", {"emoji": "heart"}, S(302, 404, 302, 302, 404)),
    ("get", "/questions/d/sales/", None, S(302, 404, 200, 200, 404)),
    ("get", "/questions/d/sales/?view=asked", None, S(302, 404, 200, 200, 404)),
    ("get", "/questions/d/sales/?tab=overdue&fragment=list", None, S(302, 404, 200, 200, 404)),
    ("get", "/questions/d/sales/targets/", None, S(302, 404, 403, 200, 404)),
    ("post", "/questions/d/sales/targets/", TARGETS, S(302, 404, 403, 302, 404)),
    ("get", "{file}", None, S(302, 404, 200, 200, 404)),
)  # fmt: skip

API = matrix(
    ("get", "/api/v1/questions/", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/questions/?department=product&box=inbox&tab=open", None, S(401, 404, 404, 404, 404)),
    ("get", "/api/v1/questions/?department=sales&box=asked", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/questions/", {"asking_department": "sales", "departments": ["product"], "title": "Price list?",
                                    "body": "For the fair"}, S(401, 404, 201, 201, 404)),
    ("get", "/api/v1/questions/similar/?q=export+fix", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/questions/{secret}/", None, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/questions/{secret}/answers/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/questions/{secret}/answers/", {"body": "Maybe"}, S(401, 404, 201, 201, 404)),
    ("get", "/api/v1/questions/{secret}/comments/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/questions/{secret}/comments/", {"body": "Thanks"}, S(401, 404, 201, 201, 404)),
    ("post", "/api/v1/questions/{secret}/reopen/", None, S(401, 404, 409, 403, 404)),
    ("post", "/api/v1/questions/{secret}/assign/", {"department": "product", "assignee": None}, S(401, 404, 403, 403, 404)),
    ("post", "/api/v1/questions/{secret}/to-post/", {"department": "product"}, S(401, 404, 403, 403, 404)),
    ("post", "/api/v1/questions/{secret}/to-idea/", {"department": "product"}, S(401, 404, 403, 403, 404)),
    ("patch", "/api/v1/answers/{answer}/", {"body": "Yes"}, S(401, 404, 403, 403, 404)),
    ("delete", "/api/v1/answers/{answer}/", None, S(401, 404, 403, 403, 404)),
    ("post", "/api/v1/answers/{answer}/accept/", None, S(401, 404, 200, 403, 404)),
    ("post", "/api/v1/answers/{answer}/react/", {"emoji": "heart"}, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/response-targets/sales/", None, S(401, 404, 200, 200, 404)),
    ("put", "/api/v1/response-targets/sales/", {**TARGETS, "closed_days": []}, S(401, 404, 403, 200, 404)),
    ("get", "/api/v1/response-targets/sales/figures/?days=90", None, S(401, 404, 200, 200, 404)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(PAGES + API))
def test_question_pages_endpoints_and_files_check_permissions(client_as, world, route, role):
    check(client_as, world, route, role)


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
