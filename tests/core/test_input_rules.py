"""Every request's input follows apps.core.input_rules on every endpoint, before any view code runs: a JSON body
is an object whose numbers fit the database, and no text holds what PostgreSQL cannot store."""

import json

import pytest
from django.test import Client

from apps.core.input_rules import MAX_INT, MIN_INT
from tests.world import api_operations, every_route, fill_route

pytestmark = pytest.mark.django_db

BAD_BODIES = [
    ("[]", "not_an_object"),
    ('"x"', "not_an_object"),
    ("1", "not_an_object"),
    ("null", "not_an_object"),
    ("true", "not_an_object"),
    (json.dumps({"user": MAX_INT + 1}), "number_out_of_range"),
    (json.dumps({"options": [1, MIN_INT - 1]}), "number_out_of_range"),
    ('{"user": 1e999}', "number_out_of_range"),
    ('{"user": 1' + "0" * 5000 + "}", "number_out_of_range"),
    ('{"user": NaN}', "parse_error"),
    ('{"user": ', "parse_error"),
    ("[" * 100_000 + "]" * 100_000, "parse_error"),  # deeper than the parser's recursion limit
    ('{"a": "x"}'.encode("utf-16"), "parse_error"),  # JSON between systems is UTF-8
    (b'{"a": "\xff"}', "parse_error"),
    ('{"a": "\\ud800"}', "invalid_text"),  # a lone surrogate: PostgreSQL cannot store it
    ('{"a": ["x\\u0000y"]}', "invalid_text"),  # nor a NUL
    ('{"\\u0000": 1}', "invalid_text"),
]
OPERATIONS = api_operations()


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in OPERATIONS])
def test_every_api_operation_refuses_a_body_that_breaks_the_rule(client_as, member, method, path):
    """Sent with real ids or not, the answer is the same 400: the body is refused before routing to the view."""
    client = client_as("member")
    url = path.replace("{id}", "1").replace("{user_id}", "1").replace("{comment_id}", "1").replace("{slug}", "sales")
    for body, code in BAD_BODIES:
        response = client.generic(method, url, body, content_type="application/json")
        assert response.status_code == 400, (method, url, body[:30], response.content[:200])
        assert response.json()["code"] == code, (method, url, body[:30])


def test_all_operations_are_covered():
    assert len(OPERATIONS) > 70


def test_anonymous_requests_get_the_same_answer(db):
    response = Client().post("/api/v1/chat/rooms/direct/", "[]", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "not_an_object"


PAGES = [route for route, _ in every_route() if not route.startswith(("api/", "admin/"))]
IDS = dict.fromkeys(
    ("user_id", "post_id", "comment_id", "notification_id", "room_id", "idea_id", "poll_id", "question_id",
     "answer_id", "policy_id", "video_id", "playlist_id", "goal_id", "routine_id", "review_id", "slot_id", "role_id",
     "secret", "passkey_id", "export_id", "group_id"),
    1,
)  # fmt: skip


def test_every_page_refuses_a_json_body_that_is_not_an_object_with_its_error_page(client_as, member):
    client = client_as("member")
    for route in PAGES:
        url = fill_route(route, {"slug": "sales", "path": "x.jpg", "uidb64": "MQ", "token": "t"} | IDS)
        response = client.post(url, "[1]", content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert '<main id="main"' in response.content.decode(), url


@pytest.mark.parametrize(
    "body",
    [{"a": MAX_INT, "b": MIN_INT, "c": [1.5, -0.0, 1e308], "d": {"e": None}}, {}],
)
def test_objects_with_numbers_in_range_pass(client_as, member, body):
    response = client_as("member").post("/api/v1/notifications/read-all/", body, content_type="application/json")
    assert response.status_code == 200


def test_an_empty_body_and_other_content_types_are_left_to_their_parsers(client_as, member):
    client = client_as("member")
    assert client.post("/api/v1/notifications/read-all/", "", content_type="application/json").status_code == 200
    assert client.post("/api/v1/chat/rooms/direct/", "[]", content_type="text/plain").status_code == 415
    form = client.post("/api/v1/chat/rooms/direct/", {"user": str(MAX_INT + 1)})  # a form: the service parses it
    assert form.status_code == 400 and form.json()["code"] == "unknown_user"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [("get", "/people/", {"q": "a\x00b"}), ("get", "/api/v1/profiles/", {"q": "\x00"}),
     ("get", "/api/v1/ideas/", {"department": "sales\x00"}), ("post", "/chat/direct/", {"user": "1\x00"}),
     ("get", "/media/people/photos/a%00.jpg", {}), ("post", "/api/v1/chat/rooms/direct/", {"user": "\x00"})],
)  # fmt: skip
def test_a_nul_character_anywhere_is_refused(client_as, member, method, path, data):
    response = getattr(client_as("member"), method)(path, data)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["code"] == "invalid_text"
    else:
        assert "cannot be stored" in response.content.decode()
