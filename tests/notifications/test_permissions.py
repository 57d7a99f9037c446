"""The notification pages and endpoints: everyone has their own, and nobody reaches another's."""

import pytest

from apps.notifications.services import notify
from tests.matrix import cases, check, expect, matrix

pytestmark = pytest.mark.django_db

ROUTES = matrix(
    ("get", "/notifications/", None, expect(302, 200, 200, 200, 200)),
    ("get", "/notifications/?unread=1", None, expect(302, 200, 200, 200, 200)),
    ("get", "/notifications/settings/", None, expect(302, 200, 200, 200, 200)),
    ("post", "/notifications/read-all/", {}, expect(302, 302, 302, 302, 302)),
    ("get", "/notifications/{members}/", None, expect(302, 404, 302, 404, 404)),
    ("get", "/api/v1/notifications/", None, expect(401, 200, 200, 200, 200)),
    ("get", "/api/v1/notifications/unread-count/", None, expect(401, 200, 200, 200, 200)),
    ("post", "/api/v1/notifications/{members}/read/", None, expect(401, 404, 200, 404, 404)),
    ("post", "/api/v1/notifications/read-all/", None, expect(401, 200, 200, 200, 200)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    (mine,) = notify(recipients=[member], kind="mention", title="You were mentioned", url="/people/")
    return {"members": mine.pk}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_notifications_are_only_their_recipients(client_as, world, route, role):
    check(client_as, world, route, role)
