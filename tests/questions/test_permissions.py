"""Question pages, API and files: who may do what (the permission matrix), in one world built once for the module."""

import pytest

from tests.matrix import cases, check, matrix
from tests.matrix import expect as S
from tests.shared_world import shared_world

from .conftest import (
    TARGETS,
    ids_of,
    make_product,
    make_product_manager,
    make_product_member,
    make_question,
    make_secret,
)

pytestmark = pytest.mark.django_db


def _world(cast: dict) -> dict:
    department, member = cast["department"], cast["member"]
    product = make_product()
    product_member = make_product_member(product)
    make_product_manager(product)
    question, secret = make_question(department, member, product), make_secret(department, member, product)
    return ids_of(department, product, product_member, question, secret)


shared = shared_world(_world)

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
def test_question_pages_endpoints_and_files_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
