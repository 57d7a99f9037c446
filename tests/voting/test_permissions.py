"""Idea boards and polls, pages and API: who may do what (the permission matrix), in one world built once.

Expected answers as for departments: anonymous requests go to the login page (302) or get
401; a board one cannot see answers 404 (existence does not leak); an action one may not
take on a board one can see answers 403. Admins do not read boards they are not members of.
"""

import pytest

from apps.departments.services import company_wide_department
from apps.voting import services
from tests.matrix import cases, check, expect, matrix
from tests.shared_world import shared_world
from tests.voting.conftest import make_idea, make_other_idea, make_poll, option_ids

pytestmark = pytest.mark.django_db


def _world(cast: dict) -> dict:
    """Sales' idea, duplicate, poll and comment (all by `colleague`), and an All staff idea."""
    department, colleague = cast["department"], cast["colleague"]
    company_wide = company_wide_department()
    idea, other_idea = make_idea(department, colleague), make_other_idea(department, colleague)
    poll = make_poll(department, colleague)
    comment = services.comment_create(idea=idea, acting_user=colleague, body="First!")
    everyone = services.idea_create(acting_user=colleague, department=company_wide, title="Free fruit")
    return {"idea": idea.pk, "dup": other_idea.pk, "poll": poll.pk, "comment": comment.pk, "all": everyone.pk,
            "option": option_ids(poll)[0]}  # fmt: skip


shared = shared_world(_world)
S = expect  # short, for the long tables below

HTML = matrix(
    ("get", "/ideas/", None, S(302, 200, 200, 200, 200)),
    ("get", "/ideas/sales/", None, S(302, 404, 200, 200, 404)),
    ("get", "/ideas/sales/?sort=trending&status=open&q=dark", None, S(302, 404, 200, 200, 404)),
    ("get", "/ideas/all-staff/", None, S(302, 200, 200, 200, 200)),
    ("get", "/ideas/nowhere/", None, S(302, 404, 404, 404, 404)),
    ("get", "/ideas/sales/new/", None, S(302, 404, 200, 200, 404)),
    ("post", "/ideas/sales/new/", {"title": "Shorter meetings"}, S(302, 404, 302, 302, 404)),
    ("post", "/ideas/all-staff/new/", {"title": "Shorter meetings"}, S(302, 302, 302, 302, 302)),
    ("get", "/ideas/sales/{idea}/", None, S(302, 404, 200, 200, 404)),
    ("get", "/ideas/legal/{idea}/", None, S(302, 404, 404, 404, 404)),
    ("get", "/ideas/all-staff/{all}/", None, S(302, 200, 200, 200, 200)),
    ("get", "/ideas/sales/{idea}/edit/", None, S(302, 404, 403, 200, 404)),
    ("post", "/ideas/sales/{idea}/edit/", {"title": "Dark mode", "description": ""}, S(302, 404, 403, 302, 404)),
    ("post", "/ideas/sales/{idea}/vote/", {}, S(302, 404, 302, 302, 404)),
    ("post", "/ideas/all-staff/{all}/vote/", {}, S(302, 302, 302, 302, 302)),
    ("post", "/ideas/sales/{idea}/unvote/", {}, S(302, 404, 302, 302, 404)),
    ("post", "/ideas/sales/{idea}/status/", {"status": "planned", "note": "Q3"}, S(302, 404, 403, 302, 404)),
    ("post", "/ideas/sales/{dup}/merge/", {"into": "{idea}"}, S(302, 404, 403, 302, 404)),
    ("post", "/ideas/sales/{idea}/comments/", {"body": "+1"}, S(302, 404, 302, 302, 404)),
    ("post", "/ideas/sales/{idea}/comments/{comment}/delete/", {}, S(302, 404, 403, 302, 404)),
    ("post", "/ideas/sales/{idea}/delete/", {}, S(302, 404, 403, 302, 404)),
    ("get", "/ideas/sales/polls/", None, S(302, 404, 200, 200, 404)),
    ("get", "/ideas/sales/polls/new/", None, S(302, 404, 200, 200, 404)),
    ("post", "/ideas/sales/polls/new/", {"question": "Lunch?", "kind": "single", "options": "Pizza\nSalad"},
     S(302, 404, 302, 302, 404)),
    ("get", "/ideas/sales/polls/{poll}/", None, S(302, 404, 200, 200, 404)),
    ("get", "/ideas/sales/polls/{poll}/results/", None, S(302, 404, 200, 200, 404)),
    ("post", "/ideas/sales/polls/{poll}/vote/", {"option": "{option}"}, S(302, 404, 302, 302, 404)),
    ("post", "/ideas/sales/polls/{poll}/withdraw/", {}, S(302, 404, 302, 302, 404)),
    ("post", "/ideas/sales/polls/{poll}/close/", {}, S(302, 404, 403, 302, 404)),
    ("post", "/ideas/sales/polls/{poll}/delete/", {}, S(302, 404, 403, 302, 404)),
)  # fmt: skip

API = matrix(
    ("get", "/api/v1/ideas/", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/ideas/?department=sales&sort=trending&status=open&q=dark", None, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/ideas/?department=all-staff", None, S(401, 200, 200, 200, 200)),
    ("post", "/api/v1/ideas/", {"department": "sales", "title": "Shorter meetings"}, S(401, 404, 201, 201, 404)),
    ("post", "/api/v1/ideas/", {"department": "all-staff", "title": "Free fruit"}, S(401, 201, 201, 201, 201)),
    ("get", "/api/v1/ideas/{idea}/", None, S(401, 404, 200, 200, 404)),
    ("patch", "/api/v1/ideas/{idea}/", {"title": "Dark mode"}, S(401, 404, 403, 200, 404)),
    ("post", "/api/v1/ideas/{idea}/vote/", None, S(401, 404, 200, 200, 404)),
    ("delete", "/api/v1/ideas/{idea}/vote/", None, S(401, 404, 409, 409, 404)),
    ("post", "/api/v1/ideas/{idea}/status/", {"status": "planned", "note": "Q3"}, S(401, 404, 403, 201, 404)),
    ("post", "/api/v1/ideas/{dup}/merge/", {"into": "{idea}"}, S(401, 404, 403, 200, 404)),
    ("get", "/api/v1/ideas/{idea}/history/", None, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/ideas/{idea}/voters/", None, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/ideas/{idea}/comments/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/ideas/{idea}/comments/", {"body": "+1"}, S(401, 404, 201, 201, 404)),
    ("delete", "/api/v1/ideas/{idea}/comments/{comment}/", None, S(401, 404, 403, 204, 404)),
    ("delete", "/api/v1/ideas/{idea}/", None, S(401, 404, 403, 204, 404)),
    ("get", "/api/v1/polls/", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/polls/?department=sales", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/polls/", {"department": "sales", "question": "Lunch?", "kind": "single", "options": ["A", "B"]},
     S(401, 404, 201, 201, 404)),
    ("get", "/api/v1/polls/{poll}/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/polls/{poll}/vote/", {"options": ["{option}"]}, S(401, 404, 200, 200, 404)),
    ("delete", "/api/v1/polls/{poll}/vote/", None, S(401, 404, 409, 409, 404)),
    ("get", "/api/v1/polls/{poll}/results/", None, S(401, 404, 403, 200, 404)),
    ("get", "/api/v1/polls/{poll}/voters/", None, S(401, 404, 403, 200, 404)),
    ("post", "/api/v1/polls/{poll}/close/", None, S(401, 404, 403, 200, 404)),
    ("delete", "/api/v1/polls/{poll}/", None, S(401, 404, 403, 204, 404)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(HTML + API))
def test_boards_and_polls_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
