"""Every HTML page, walked as a member with hostile query strings, ids and form posts: never a server error.

The URLs come from the URLconf, so a new page is walked the day it is added. Each
parameter is the id of a real object the member can read (tests/world.py), so requests
reach the views' code; every 4xx the walk meets must be the site's own error page.
"""

from urllib.parse import parse_qsl

import pytest

from tests.factories import UserFactory, add_member
from tests.world import HOSTILE_QUERIES, MAX_BIGINT, build_world, every_route, fill_route, page_values

pytestmark = pytest.mark.django_db

LAYOUT = '<main id="main"'
PAGES = [
    route for route, _ in every_route() if not route.startswith(("api/", "admin/", "scim/"))
]  # scim: JSON for machines
HOSTILE_FORM = {
    "option": ["²", str(MAX_BIGINT + 1), "-1"],
    "rank-1": "²",
    f"rank-{MAX_BIGINT + 1}": "1",
    "user": str(2**64),
    "role": "emperor",
    "body": "x\x00y",
    "name": "n" * 5000,
    "email": "not-an-address",
    "emoji": "💥",
    "action": "invite",
    "next": "//evil.example/",
    "status": "shipped-yesterday",
    "into": "abc",
    "publish_at": "9999-99-99T99:99",
    "month": "99999-1",
}


def _query_strings() -> list[str]:
    """The hostile queries, several parameters at a time: the i-th value of every parameter in query i."""
    by_name: dict[str, list[str]] = {}
    for query in HOSTILE_QUERIES:
        for part in query.split("&"):
            name, _, value = part.partition("=")
            by_name.setdefault(name, []).append(value)
    rounds = max(len(values) for values in by_name.values())
    return ["&".join(f"{name}={values[i % len(values)]}" for name, values in by_name.items()) for i in range(rounds)]


@pytest.fixture
def world(department, member, manager):
    colleague = UserFactory(email="colleague@example.com", display_name="Carl Colleague")
    add_member(department, colleague)
    return build_world(department=department, member=member, manager=manager, colleague=colleague)


READINESS = ("/healthz", "/readyz")  # a 503 there is a verdict: a dependency did not answer within its 0.5 s


def _check(response, what: str) -> None:
    if response.status_code == 503 and what.split()[1].startswith(READINESS):
        assert response.json()["status"] == "error", what  # answered, on a loaded machine: not a crash
        return
    assert response.status_code < 500, what
    if response.status_code >= 400:
        assert LAYOUT in response.content.decode(), (what, response.status_code)


@pytest.mark.parametrize("role", ["member", "manager"])  # the manager also reaches the managers' pages
def test_every_page_survives_hostile_query_strings(client_as, world, role):
    client = client_as(role)
    queries = _query_strings()
    for route in PAGES:
        url = fill_route(route, page_values(route, world))
        for query in queries:
            _check(client.get(f"{url}?{query}"), f"GET {url}?{query[:80]}")


def test_every_page_with_an_id_answers_404_for_ids_that_cannot_exist(client_as, world):
    client = client_as("member")
    for route in (r for r in PAGES if "<id:" in r):
        for bad in (MAX_BIGINT + 1, 0, 10**40):
            values = page_values(route, world) | {name: bad for name in world if f"<id:{name}>" in route}
            response = client.get(fill_route(route, values))
            assert response.status_code == 404, route
            assert LAYOUT in response.content.decode()


def test_every_page_survives_a_hostile_form_post(client_as, world):
    """Last of all the logout, which ends the session the walk uses."""
    client = client_as("member")
    for route in sorted(PAGES, key=lambda r: r == "accounts/logout/"):
        url = fill_route(route, page_values(route, world))
        _check(client.post(url, HOSTILE_FORM), f"POST {url}")


def test_the_hostile_queries_hit_every_parameter_the_pages_read():
    names = {name for query in _query_strings() for name, _ in parse_qsl(query, keep_blank_values=True)}
    assert {"cursor", "page_size", "q", "sort", "status", "before", "month", "unread", "next"} <= names
