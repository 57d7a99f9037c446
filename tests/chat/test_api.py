"""The chat REST API: room list with unread counts, history with a cursor, sending, editing, rooms and members."""

import uuid

import pytest

from apps.chat import services
from apps.chat.models import Message, Room
from tests.factories import DepartmentFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db


def say(user, room, body="hello"):
    return services.message_send(acting_user=user, room_id=room.pk, body=body)[0]


def test_rooms_list_the_readable_rooms_with_unread_counts(
    client_as, member, manager, sales_room, all_staff_room, legal_room
):
    for i in range(3):
        say(manager, sales_room, f"news {i}")
    say(member, sales_room, "mine never counts")
    say(manager, all_staff_room, "for everyone")
    direct, _ = services.direct_room(acting_user=manager, other_id=member.pk)
    say(manager, direct, "psst")
    rooms = {r["name"]: r for r in client_as("member").get("/api/v1/chat/rooms/").json()["results"]}
    assert set(rooms) == {"All staff", "Sales", "Max Manager"}  # a direct room is named after the other person
    assert rooms["Sales"]["unread_count"] == 3
    assert rooms["Sales"]["kind"] == "department" and rooms["Sales"]["department"] == "sales"
    assert rooms["Max Manager"]["kind"] == "direct" and rooms["Max Manager"]["unread_count"] == 1
    assert rooms["Sales"]["last_message_id"] == Message.objects.filter(room=sales_room).latest("id").pk
    assert rooms["All staff"]["url"] == f"/chat/{all_staff_room.pk}/"

    response = client_as("member").post(
        f"/api/v1/chat/rooms/{sales_room.pk}/read/",
        {"message": rooms["Sales"]["last_message_id"]},
        content_type="application/json",
    )
    assert response.json() == {"last_read_id": rooms["Sales"]["last_message_id"], "unread_count": 0}
    assert client_as("member").get(f"/api/v1/chat/rooms/{sales_room.pk}/").json()["unread_count"] == 0


def test_the_room_list_costs_the_same_queries_for_many_rooms(client_as, member, django_assert_max_num_queries):
    def queries_for_list() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client_as("member").get("/api/v1/chat/rooms/").status_code == 200
        return len(captured)

    few = queries_for_list()
    for i in range(8):
        add_member(DepartmentFactory(name=f"Team {i}"), member)
        room = services.group_room_create(acting_user=member, name=f"Group {i}")
        say(member, room)
        services.direct_room(acting_user=member, other_id=UserFactory().pk)
    assert queries_for_list() == few


def test_history_pages_newest_first_with_a_cursor_and_from_a_message(
    client_as, member, sales_room, django_assert_max_num_queries
):
    sent = [say(member, sales_room, f"m{i}").pk for i in range(120)]
    client = client_as("member")
    seen = []
    url = f"/api/v1/chat/rooms/{sales_room.pk}/messages/"
    while url:
        with django_assert_max_num_queries(8):
            page = client.get(url).json()
        seen += [m["id"] for m in page["results"]]
        url = page["next"]
    assert seen == sent[::-1]
    older = client.get(f"/api/v1/chat/rooms/{sales_room.pk}/messages/?before={sent[10]}").json()
    assert [m["id"] for m in older["results"]] == sent[:10][::-1] and older["next"] is None
    assert client.get(f"/api/v1/chat/rooms/{sales_room.pk}/messages/?before=ten").json()["code"] == "bad_before"


def test_sending_through_the_api_is_idempotent_and_errors_carry_the_chat_code(client_as, member, sales_room, settings):
    client = client_as("member")
    url = f"/api/v1/chat/rooms/{sales_room.pk}/messages/"
    client_id = str(uuid.uuid4())
    first = client.post(url, {"body": "**hi**", "client_id": client_id}, content_type="application/json")
    assert first.status_code == 201 and first.json()["html"] == "<p><strong>hi</strong></p>"
    again = client.post(url, {"body": "**hi**", "client_id": client_id}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]

    settings.CHAT_MAX_BODY_LENGTH = 10
    too_long = client.post(url, {"body": "x" * 11}, content_type="application/json")
    assert too_long.status_code == 400 and too_long.json()["code"] == "body_too_long"
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    settings.CHAT_RATE_LIMIT_WINDOW = 3600
    assert client.post(url, {"body": "one"}, content_type="application/json").status_code == 201
    limited = client.post(url, {"body": "two"}, content_type="application/json")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited" and "Retry-After" in limited
    assert Message.objects.count() == 2


def test_edit_and_delete_through_the_api(client_as, member, manager, sales_room):
    message = say(member, sales_room, "typo")
    edited = client_as("member").patch(
        f"/api/v1/chat/messages/{message.pk}/", {"body": "fixed"}, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["body"] == "fixed" and edited.json()["edited_at"]
    assert client_as("manager").delete(f"/api/v1/chat/messages/{message.pk}/").status_code == 204  # moderation
    message.refresh_from_db()
    assert message.deleted_at and message.body == "" and message.html == ""
    assert client_as("member").get(f"/api/v1/chat/messages/{message.pk}/").status_code == 404
    history = client_as("member").get(f"/api/v1/chat/rooms/{sales_room.pk}/messages/").json()["results"]
    assert history == []


def test_group_rooms_invites_and_leaving(client_as, member, manager, outsider):
    client = client_as("member")
    created = client.post(
        "/api/v1/chat/rooms/", {"name": "  Launch   plan ", "members": [outsider.pk]}, content_type="application/json"
    )
    assert created.status_code == 201
    room = created.json()
    assert room["name"] == "Launch plan" and room["kind"] == "group"
    members = client.get(f"/api/v1/chat/rooms/{room['id']}/members/").json()["results"]
    assert [(m["name"], m["role"]) for m in members] == [("Mia Member", "owner"), ("Olga Outsider", "member")]
    # Anyone in the room invites; only the owner removes others; anyone leaves.
    invited = client_as("outsider").post(
        f"/api/v1/chat/rooms/{room['id']}/members/", {"user": manager.pk}, content_type="application/json"
    )
    assert invited.status_code == 201
    refused = client_as("outsider").delete(f"/api/v1/chat/rooms/{room['id']}/members/{manager.pk}/")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client_as("outsider").delete(f"/api/v1/chat/rooms/{room['id']}/members/{outsider.pk}/").status_code == 204
    assert client_as("outsider").get(f"/api/v1/chat/rooms/{room['id']}/").status_code == 404
    # The owner leaves: the oldest remaining member becomes owner.
    assert client.delete(f"/api/v1/chat/rooms/{room['id']}/members/{member.pk}/").status_code == 204
    assert (
        client_as("manager")
        .patch(f"/api/v1/chat/rooms/{room['id']}/", {"topic": "Q3"}, content_type="application/json")
        .status_code
        == 200
    )

    bad = [
        ({"name": " "}, "invalid"),
        ({"name": "x" * 81}, "invalid"),
        ({"name": "Fine", "members": [10**9]}, "unknown_user"),
    ]
    for data, code in bad:
        response = client.post("/api/v1/chat/rooms/", data, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == code, (data, response.json())
    assert Room.objects.filter(kind="group").count() == 1


def test_direct_rooms_are_one_per_pair(client_as, member, manager):
    first = client_as("member").post(
        "/api/v1/chat/rooms/direct/", {"user": manager.pk}, content_type="application/json"
    )
    assert first.status_code == 201 and first.json()["name"] == "Max Manager"
    second = client_as("manager").post(
        "/api/v1/chat/rooms/direct/", {"user": member.pk}, content_type="application/json"
    )
    assert (
        second.status_code == 200
        and second.json()["id"] == first.json()["id"]
        and second.json()["name"] == "Mia Member"
    )
    to_self = client_as("member").post(
        "/api/v1/chat/rooms/direct/", {"user": member.pk}, content_type="application/json"
    )
    assert to_self.status_code == 400 and to_self.json()["code"] == "unknown_user"


def test_member_search(client_as, member, manager, department, sales_room):
    add_member(department, UserFactory(display_name="Maxine Mayer"))
    names = [
        m["name"]
        for m in client_as("member").get(f"/api/v1/chat/rooms/{sales_room.pk}/members/?q=max").json()["results"]
    ]
    assert names == ["Max Manager", "Maxine Mayer"]


def test_the_schema_describes_the_chat_api(client_as):
    schema = client_as("member").get("/api/schema/?format=json").json()
    assert "/api/v1/chat/rooms/{id}/messages/" in schema["paths"]
    assert "/api/v1/chat/rooms/direct/" in schema["paths"]
