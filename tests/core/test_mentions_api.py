"""GET /api/v1/mentions/: one autocomplete for feeds and chat rooms. The permission matrix is in
tests/feed/test_api.py (departments) and tests/chat/test_permissions.py (rooms)."""

import pytest

from apps.chat import services as chat
from apps.chat.models import Room
from apps.people.services import profile_set_photo
from tests.factories import UserFactory, add_member, image_bytes

pytestmark = pytest.mark.django_db


def suggestions(client, **params):
    response = client.get("/api/v1/mentions/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_feed_offers_its_readers_by_name_with_what_to_insert(client_as, department, member, manager, outsider):
    from django.core.files.uploadedfile import SimpleUploadedFile

    profile_set_photo(
        acting_user=None, profile=manager.profile, upload=SimpleUploadedFile("me.jpg", image_bytes(size=(200, 200)))
    )
    manager.profile.job_title = "Head of Sales"
    manager.profile.save()
    (found,) = suggestions(client_as("member"), department=department.pk, q="ma")
    assert found == {
        "id": manager.pk,
        "name": "Max Manager",
        "job_title": "Head of Sales",
        "thumbnail_url": f"/media/{manager.profile.photo_thumbnail.name}",
        "insert": "@**Max Manager**",
    }
    assert suggestions(client_as("member"), department=department.pk, q="olga") == []  # not a reader
    assert suggestions(client_as("member"), department=department.pk, q="head") == []  # titles are not names
    assert suggestions(client_as("member"), department=department.pk, q="mia") == []  # nobody mentions themself


def test_a_shared_name_is_offered_with_its_id(client_as, department, member):
    twins = [UserFactory(display_name="Sam Lee"), UserFactory(display_name="Sam Lee")]
    for person in twins:
        add_member(department, person)
    found = suggestions(client_as("member"), department=department.pk, q="lee")
    assert [f["insert"] for f in found] == [f"@**Sam Lee|{twins[0].pk}**", f"@**Sam Lee|{twins[1].pk}**"]


def test_a_room_offers_its_members_only(client_as, member, manager, outsider):
    room = chat.group_room_create(acting_user=member, name="Secret", member_ids=[outsider.pk])
    assert [f["name"] for f in suggestions(client_as("member"), room=room.pk)] == ["Olga Outsider"]
    sales = Room.objects.get(department__slug="sales")
    assert [f["name"] for f in suggestions(client_as("member"), room=sales.pk)] == ["Max Manager"]


@pytest.mark.parametrize(
    "params", [{}, {"q": "m"}, {"department": "x"}, {"department": 1, "room": 1}, {"room": 0}], ids=str
)
def test_a_request_without_exactly_one_place_is_refused(client_as, member, params):
    response = client_as("member").get("/api/v1/mentions/", params)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_a_missing_place_and_an_unreadable_one_answer_alike(client_as, member, other_department):
    missing = client_as("member").get("/api/v1/mentions/", {"department": 10**6})
    unreadable = client_as("member").get("/api/v1/mentions/", {"department": other_department.pk})
    assert missing.status_code == unreadable.status_code == 404
    assert missing.json() == unreadable.json() == {
        "detail": "There is no such department, or you do not have access to it.", "code": "unknown_department",
    }  # fmt: skip


def test_the_query_count_does_not_grow_with_the_people(client_as, department, member, django_assert_num_queries):
    client = client_as("member")
    add_member(department, UserFactory(display_name="Tess First"))
    client.get("/api/v1/mentions/", {"department": department.pk, "q": "tess"})  # warm the session
    with django_assert_num_queries(3) as few:  # the session and the user come from the cache
        assert len(suggestions(client, department=department.pk, q="tess")) == 1
    for i in range(15):
        add_member(department, UserFactory(display_name=f"Tess {i:02d}"))
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(suggestions(client, department=department.pk, q="tess")) == 10


def test_the_schema_describes_the_endpoint(client_as, member):
    schema = client_as("member").get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/mentions/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "department", "room"}
