"""Ids from the outside world fit the database: a number no row can have never reaches a query."""

import re

import pytest
from django.urls import Resolver404, resolve
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

from apps.core.ids import MAX_ID, IdPathConverter, parse_id
from tests.world import every_route, fill_route

OUR_ROUTES = [(route, pattern) for route, pattern in every_route() if not route.startswith("admin/")]
ID_ROUTES = [route for route, _ in OUR_ROUTES if "<id:" in route]


def test_every_route_of_ours_is_a_path_with_bounded_converters():
    """Django's `int` converter takes any number of digits; a regex route can too. Ours use `<id:...>`."""
    offenders = []
    for route, pattern in OUR_ROUTES:
        if not isinstance(pattern.pattern, RoutePattern):
            offenders.append((route, "regex route"))
            continue
        for name, converter in pattern.pattern.converters.items():
            names_an_object = name.endswith("id") or name == "pk"
            if isinstance(converter, IntConverter) or (
                names_an_object and not isinstance(converter, (IdPathConverter, UUIDConverter))  # a uuid is bounded
            ):
                offenders.append((route, name))
    assert offenders == []
    assert len(ID_ROUTES) > 50


@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_beyond_the_database_range_matches_no_route(route):
    assert resolve(fill_route(route, _ids(route, MAX_ID)))
    for bad in (MAX_ID + 1, 10**30, 0, "00", "abc", "-1"):
        with pytest.raises(Resolver404):
            resolve(fill_route(route, _ids(route, bad)))


def _ids(route: str, value: object) -> dict:
    return {"slug": "sales", "uidb64": "MQ", "token": "t", **{name: value for name in _names(route)}}


def _names(route: str) -> list[str]:
    return re.findall(r"<id:(\w+)>", route)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [f"/api/v1/profiles/{MAX_ID + 1}/", f"/api/v1/notifications/{MAX_ID + 1}/read/", "/api/v1/memberships/abc/",
     f"/api/v1/chat/rooms/{10**25}/members/", "/api/v1/notifications/abc/read/"],
)  # fmt: skip
def test_the_api_answers_a_bad_id_with_its_json_404(client_as, member, path):
    response = client_as("member").post(path) if path.endswith("/read/") else client_as("member").get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("0", None), ("²", None), ("١", None), (True, None),
     (-5, None), (7, 7), ("07", 7), ("", None), (None, None), (1.0, None)],
)  # fmt: skip
def test_parse_id(value, expected):
    assert parse_id(value) == expected
