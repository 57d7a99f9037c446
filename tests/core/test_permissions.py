"""The site's own pages: the trivial ping page and the API's schema and docs need a login."""

import pytest

from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db

ROUTES = matrix(
    ("get", "/ping", None, expect(302, 200, 200, 200, 200)),
    ("get", "/api/schema/?format=json", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/docs/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/api/v1/", None, expect(401, 200, 200, 200, 200)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_site_pages_need_a_login(client_as, member, manager, outsider, admin_user, route, role):
    check(client_as, {}, route, role)
