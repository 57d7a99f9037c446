"""The permission matrix: one helper for every page, endpoint and file test in the suite.

A matrix is a list of routes, each with the status every member of the cast gets:

    ROUTES = matrix(
        ("get", "/feed/posts/{post}/", None, expect(302, 404, 200, 200, 404)),
        ...
    )

    @pytest.mark.parametrize(("route", "role"), cases(ROUTES))
    def test_feed_pages_check_permissions(client_as, world, route, role):
        check(client_as, world, route, role)

`{name}` in a URL or in the data is filled from the test's `world` dict (an id, a file
name); a data value that is exactly `"{name}"` becomes the value itself (an int stays an
int). Data may also be a callable taking the world (for uploads). Paths under /api/ are
sent as JSON and must answer errors as `{"detail", "code"}`; anonymous pages must send
people to the login page. Every route declared here is remembered, so that
`tests/test_permission_coverage.py` can prove that every named URL is in some matrix.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

ROLES = ("anonymous", "outsider", "member", "manager", "admin_user")


def expect(anonymous: int, outsider: int, member: int, manager: int, admin_user: int) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, outsider, member, manager, admin_user), strict=True))


@dataclass(frozen=True)
class Route:
    method: str
    url: str
    data: Any
    expected: dict[str, int]

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


DECLARED: list[Route] = []


def matrix(*rows: tuple[str, str, Any, dict[str, int]]) -> list[Route]:
    routes = [Route(method, url, data, expected) for method, url, data, expected in rows]
    DECLARED.extend(routes)
    return routes


def cases(routes: list[Route]) -> list:
    return [pytest.param(route, role, id=f"{route} as {role}") for route in routes for role in ROLES]


def fill(value: Any, world: dict) -> Any:
    if callable(value):
        return value(world)
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in world:
            return world[value[1:-1]]
        return value.format(**world)
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    return value


def check(client_as: Callable, world: dict, route: Route, role: str) -> Any:
    """Send the route's request as `role` and check the answer; returns the response."""
    client = client_as(role)
    url, data = fill(route.url, world), fill(route.data, world)
    if route.is_api:
        # No data is an empty object (the test client would send the text "None" as the body).
        body = {} if data is None else data
        response = getattr(client, route.method)(url, body, content_type="application/json")
    else:
        response = getattr(client, route.method)(url, data or {})
    expected = route.expected[role]
    assert response.status_code == expected, (role, str(route), response.content[:300])
    if role == "anonymous" and not route.is_api and expected == 302:
        assert response["Location"].startswith("/accounts/login/")
    if route.is_api and expected >= 400:
        body = json.loads(response.content)
        assert body["detail"] and body["code"], body
    return response
