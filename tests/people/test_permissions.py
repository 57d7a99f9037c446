"""People pages and API: who may do what (the permission matrix), in one world built once for the module."""

import pytest

from tests.matrix import cases, check, expect, matrix
from tests.shared_world import shared_world

from .test_views import DATA

pytestmark = pytest.mark.django_db

shared = shared_world(lambda cast: {"member": cast["member"].pk})

PEOPLE_VIEWS = matrix(
    ("get", "/people/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/people/org-chart/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/people/{member}/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/people/{member}/card/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/people/{member}/edit/", None, expect(302, 403, 200, 403, 200)),
    ("post", "/people/{member}/edit/", DATA, expect(302, 403, 302, 403, 302)),
    ("post", "/people/{member}/photo/", {}, expect(302, 403, 400, 403, 400)),
    ("post", "/people/{member}/photo/remove/", {}, expect(302, 403, 302, 403, 302)),
    ("get", "/people/me/edit/", None, expect(302, 200, 200, 200, 200)),
    ("post", "/people/me/time-zone/", {"time_zone": "Europe/Paris"}, expect(302, 200, 200, 200, 200)),
    ("get", "/api/v1/profiles/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/profiles/{member}/", None, expect(401, 200, 200, 200, 200)),
    ("patch", "/api/v1/profiles/{member}/", {"job_title": "X"}, expect(401, 403, 200, 403, 200)),
    ("delete", "/api/v1/profiles/{member}/photo/", None, expect(401, 403, 200, 403, 200)),
    ("get", "/api/v1/users/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/users/me/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/users/{member}/", None, expect(401, 200, 200, 200, 200)),
    ("post", "/api/v1/users/", {"email": "new@example.com"}, expect(401, 403, 403, 403, 201)),
    ("patch", "/api/v1/users/{member}/", {"is_staff": False}, expect(401, 403, 403, 403, 200)),
    ("post", "/api/v1/users/{member}/invite/", None, expect(401, 403, 403, 403, 202)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(PEOPLE_VIEWS))
def test_people_views_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
