"""The chat pages: what they show, the forms that work without JavaScript, and their query counts."""

import re

import pytest

from apps.chat import services
from apps.chat.models import Message, Room, RoomMember
from tests.factories import DepartmentFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db


def say(user, room, body="hello"):
    return services.message_send(acting_user=user, room_id=room.pk, body=body)[0]


def test_the_chat_page_shows_rooms_unread_badges_and_the_latest_messages(
    client_as, member, manager, sales_room, all_staff_room
):
    say(manager, all_staff_room, "company news")
    for i in range(3):
        say(manager, sales_room, f"**deal** {i}")
    response = client_as("member").get(f"/chat/{sales_room.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/chat/" aria-current="page">Chat <span id="chat-badge"' in html
    assert '<h2 id="chat-room-title">#Sales</h2>' in html
    assert html.count('class="chat-message" id="message-') == 3 and "<strong>deal</strong> 2" in html
    # Live messages are clones of the same include, rendered empty inside a <template>.
    template = re.search(r'<template id="chat-message-template">(.*?)</template>', html, re.S).group(1)
    assert '<li class="chat-message">' in template and 'data-slot="body"' in template and "deal" not in template
    badge = re.search(rf'data-room-id="{all_staff_room.pk}".*?data-unread-badge aria-label="(\d+) unread"', html, re.S)
    assert badge.group(1) == "1"
    assert f'data-room-id="{sales_room.pk}"' in html and 'aria-current="page"' in html
    assert 'src="/static/js/chat.js"' in html and 'type="module"' in html
    assert "data-connection-state" in html
    assert 'maxlength="4000"' in html


def test_chat_opens_the_room_with_the_latest_message(client_as, member, manager, sales_room, all_staff_room):
    say(manager, all_staff_room, "old")
    say(manager, sales_room, "newest")
    assert client_as("member").get("/chat/")["Location"] == f"/chat/{sales_room.pk}/"


def test_user_content_is_sanitised(client_as, member, sales_room):
    say(member, sales_room, "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>")
    html = client_as("member").get(f"/chat/{sales_room.pk}/").content.decode()
    message = re.search(r'<div class="chat-message-body prose" data-slot="body">(.*?)</div>', html, re.S).group(1)
    assert "<script" not in message and "javascript:" not in message and "onerror" not in message
    assert '<a rel="noopener noreferrer nofollow">x</a>' in message  # the link text stays, the href goes


def test_the_chat_page_costs_the_same_queries_with_more_rooms_and_messages(
    client_as, member, sales_room, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_as("member").get(f"/chat/{sales_room.pk}/").status_code == 200
        return len(captured)

    say(member, sales_room)
    few = queries()
    for i in range(6):
        add_member(DepartmentFactory(name=f"Team {i}"), member)
        say(member, services.group_room_create(acting_user=member, name=f"Group {i}"))
        services.direct_room(acting_user=member, other_id=UserFactory().pk)
    department = sales_room.department
    authors = [member]
    for i in range(5):
        authors.append(UserFactory(display_name=f"Author {i}"))
        add_member(department, authors[-1])
    for i in range(60):
        say(authors[i % len(authors)], sales_room, f"message {i}")
    assert queries() == few


def test_the_composer_works_without_javascript(client_as, member, sales_room, settings):
    client = client_as("member")
    response = client.post(
        f"/chat/{sales_room.pk}/send/", {"body": "plain form", "client_id": "0b9b3f5e-6a3c-4bb0-9d8e-0c1d2e3f4a5b"}
    )
    assert response.status_code == 302 and response["Location"] == f"/chat/{sales_room.pk}/"
    client.post(
        f"/chat/{sales_room.pk}/send/", {"body": "plain form", "client_id": "0b9b3f5e-6a3c-4bb0-9d8e-0c1d2e3f4a5b"}
    )
    assert Message.objects.count() == 1  # a double submit stores one message
    settings.CHAT_MAX_BODY_LENGTH = 5
    page = client.post(f"/chat/{sales_room.pk}/send/", {"body": "far too long"}, follow=True)
    assert "A message can be at most 5 characters long" in page.content.decode()
    assert Message.objects.count() == 1


def test_creating_a_group_room_with_the_form(client_as, member, manager, outsider):
    client = client_as("member")
    bad = client.post("/chat/new/", {"name": "Launch", "members": "manager@example.com, nobody@example.com"})
    assert bad.status_code == 400 and "nobody@example.com" in bad.content.decode()
    response = client.post(
        "/chat/new/", {"name": "Launch", "topic": "Q3", "members": "manager@example.com\noutsider@example.com"}
    )
    room = Room.objects.get(kind="group")
    assert response["Location"] == f"/chat/{room.pk}/"
    assert set(RoomMember.objects.filter(room=room).values_list("user__email", "role")) == {
        ("member@example.com", "owner"), ("manager@example.com", "member"), ("outsider@example.com", "member"),
    }  # fmt: skip
    assert client_as("outsider").get(f"/chat/{room.pk}/").status_code == 200


def test_starting_a_direct_message_from_a_search(client_as, member, manager):
    client = client_as("member")
    page = client.get("/chat/direct/?q=max").content.decode()
    assert "Message Max Manager" in page and "Message Mia Member" not in page
    response = client.post("/chat/direct/", {"user": manager.pk})
    room = Room.objects.get(kind="direct")
    assert response["Location"] == f"/chat/{room.pk}/"
    assert client.post("/chat/direct/", {"user": manager.pk})["Location"] == f"/chat/{room.pk}/"
    html = client.get(f"/chat/{room.pk}/").content.decode()
    assert '<h2 id="chat-room-title">Max Manager</h2>' in html


def test_members_page_invites_renames_removes_and_leaves(client_as, member, manager, outsider):
    room = services.group_room_create(acting_user=member, name="Book club", member_ids=[outsider.pk])
    owner = client_as("member")
    page = owner.get(f"/chat/{room.pk}/members/").content.decode()
    assert "Olga Outsider" in page and "Remove Olga Outsider" in page and "Add a colleague" in page
    owner.post(f"/chat/{room.pk}/members/", {"action": "invite", "email": "manager@example.com"})
    owner.post(f"/chat/{room.pk}/members/", {"action": "rename", "name": "Reading club", "topic": "Books"})
    owner.post(f"/chat/{room.pk}/members/", {"action": "remove", "user": outsider.pk})
    room.refresh_from_db()
    assert room.name == "Reading club" and room.topic == "Books"
    assert set(RoomMember.objects.filter(room=room).values_list("user__email", flat=True)) == {
        "member@example.com", "manager@example.com",
    }  # fmt: skip
    guest = client_as("manager")
    assert "Remove Mia Member" not in guest.get(f"/chat/{room.pk}/members/").content.decode()
    assert guest.post(f"/chat/{room.pk}/members/", {"action": "remove", "user": manager.pk})["Location"] == "/chat/"
    assert guest.get(f"/chat/{room.pk}/").status_code == 404


def test_department_members_page_lists_the_department(client_as, member, manager, sales_room):
    page = client_as("member").get(f"/chat/{sales_room.pk}/members/").content.decode()
    assert "Mia Member" in page and "Max Manager" in page and "Add a colleague" not in page


def test_the_chat_pages_badge_counts_what_every_other_page_counts_without_its_query(
    client_as, member, manager, sales_room, all_staff_room, django_assert_max_num_queries
):
    say(manager, all_staff_room, "company news")
    for i in range(3):
        say(manager, sales_room, f"deal {i}")
    muted = services.group_room_create(acting_user=manager, name="Muted", member_ids=[member.pk])
    say(manager, muted, "ignored")
    services.room_set_level(acting_user=member, room_id=muted.pk, level="nothing")
    client = client_as("member")

    def badge(path: str) -> str:
        return re.search(r'id="chat-badge" class="count-badge" data-count="(\d+)"', client.get(path).content.decode())[
            1
        ]

    assert badge("/people/") == "4"  # the context processor's query: 1 + 3, the muted room left out
    assert badge(f"/chat/{sales_room.pk}/") == "4" and badge("/chat/?rooms=1") == "4"
    # the Chat badge comes from the rooms the sidebar already read, not from a query of its own
    with django_assert_max_num_queries(5):  # 11, then 7 before the room came with its role
        client.get(f"/chat/{sales_room.pk}/")
