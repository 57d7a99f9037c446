"""Policy pages and API: who may do what (the permission matrix), in one world built once for the module."""

import pytest

from tests.matrix import cases, check, matrix
from tests.matrix import expect as S
from tests.shared_world import shared_world

from .conftest import make_sales_policy

pytestmark = pytest.mark.django_db


def _world(cast: dict) -> dict:
    policy = make_sales_policy(cast["department"], cast["manager"])
    return {"policy": policy.pk, "version": policy.current_version}


shared = shared_world(_world)


PAGES = matrix(
    ("get", "/policies/", None, S(302, 200, 200, 200, 200)),
    ("get", "/policies/accept/", None, S(302, 200, 200, 200, 200)),
    ("post", "/policies/accept/", {"policy-{policy}": "{version}"}, S(302, 302, 302, 302, 302)),
    ("get", "/policies/{policy}/", None, S(302, 404, 200, 200, 404)),
    ("get", "/policies/{policy}/diff/", None, S(302, 404, 200, 200, 404)),
    ("get", "/policies/{policy}/edit/", None, S(302, 404, 403, 200, 404)),
    ("post", "/policies/{policy}/edit/", {"form": "text", "body": "New text", "summary": "New"},
     S(302, 404, 403, 302, 404)),
    ("post", "/policies/{policy}/edit/", {"form": "rules", "never_share_words": "salary", "never_share_patterns": ""},
     S(302, 404, 403, 302, 404)),
    ("get", "/policies/{policy}/acceptances/", None, S(302, 404, 403, 200, 404)),
    ("get", "/policies/{policy}/acceptances.csv", None, S(302, 404, 403, 200, 404)),
    ("post", "/policies/{policy}/remind/", None, S(302, 404, 403, 302, 404)),
    ("get", "/policies/new/legal/", None, S(302, 403, 404, 404, 403)),
    ("get", "/policies/new/all-staff/", None, S(302, 403, 403, 403, 200)),
)  # fmt: skip

API = matrix(
    ("get", "/api/v1/policies/", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/policies/pending/", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/policies/{policy}/", None, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/policies/{policy}/versions/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/policies/{policy}/versions/", {"body": "v2 text", "summary": "v2"}, S(401, 404, 403, 201, 404)),
    ("get", "/api/v1/policies/{policy}/diff/?from=1&to=1", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/policies/{policy}/accept/", {"version": "{version}"}, S(401, 404, 201, 201, 404)),
    ("get", "/api/v1/policies/{policy}/acceptances/", None, S(401, 404, 403, 200, 404)),
    ("post", "/api/v1/policies/{policy}/remind/", None, S(401, 404, 403, 200, 404)),
    ("patch", "/api/v1/policies/{policy}/", {"never_share_words": ["price"], "never_share_patterns": []},
     S(401, 404, 403, 200, 404)),
    ("post", "/api/v1/policies/", {"department": "all-staff", "body": "Company rules"}, S(401, 403, 403, 403, 201)),
    ("post", "/api/v1/policies/", {"department": "legal", "body": "Legal rules"}, S(401, 403, 404, 404, 403)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(PAGES + API))
def test_policy_pages_and_endpoints_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
