"""Chat services: rooms follow departments, ordering and revisions, mentions, and the events they emit."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from apps.chat import selectors, services
from apps.chat.models import Message, ReadPosition, Room
from apps.core.errors import ServiceError
from apps.departments.services import company_wide_department, department_create, department_delete, membership_remove
from apps.notifications.models import Notification
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def say(user, room, body="hello"):
    return services.message_send(acting_user=user, room_id=room.pk, body=body)[0]


def test_every_department_has_one_room_created_with_it(db):
    support = department_create(acting_user=None, name="Support")
    assert Room.objects.get(department=support).kind == "department"
    everyone = company_wide_department()
    assert Room.objects.filter(department=everyone).count() == 1
    department_delete(acting_user=None, department=support)
    assert not Room.objects.filter(department_id=support.pk).exists()


def test_departments_made_without_the_service_have_their_room_from_the_start(client_as, member):
    from apps.departments.models import Department

    shell = Department.objects.create(name="Legacy", slug="legacy")  # a shell, an old script
    assert Room.objects.filter(kind="department", department=shell).count() == 1
    add_member(shell, member)
    rooms = [r["name"] for r in client_as("member").get("/api/v1/chat/rooms/").json()["results"]]
    assert "Legacy" in rooms


def test_departments_bulk_created_by_the_demo_get_their_rooms_from_ensure_department_rooms(db):
    from apps.departments.models import Department

    made = Department.objects.bulk_create([Department(name=f"Bulk {i}", slug=f"bulk-{i}") for i in range(3)])
    assert not Room.objects.filter(department__in=made).exists()  # bulk_create sends no signal
    services.ensure_department_rooms()
    services.ensure_department_rooms()  # idempotent
    assert Room.objects.filter(kind="department", department__in=made).count() == 3


def test_ids_and_revisions_grow_with_every_change_in_a_room(member, sales_room):
    first, second = say(member, sales_room, "one"), say(member, sales_room, "two")
    assert first.pk < second.pk and (first.revision, second.revision) == (1, 2)
    services.message_edit(acting_user=member, message_id=first.pk, body="one, edited")
    services.message_delete(acting_user=member, message_id=second.pk)
    sales_room.refresh_from_db()
    assert sales_room.revision == 4 and sales_room.last_message_id == second.pk
    assert list(Message.objects.order_by("pk").values_list("revision", flat=True)) == [3, 4]
    services.message_edit(acting_user=member, message_id=first.pk, body="one, edited")  # unchanged: no revision
    sales_room.refresh_from_db()
    assert sales_room.revision == 4


def test_a_new_member_starts_with_nothing_unread_and_a_removed_one_loses_the_room(
    member, manager, department, sales_room
):
    for i in range(3):
        say(member, sales_room, f"history {i}")
    newcomer = UserFactory(display_name="Nora New")
    add_member(department, newcomer)
    assert selectors.unread_count(room=sales_room, user=newcomer) == 0
    say(member, sales_room, "welcome!")
    assert selectors.unread_count(room=sales_room, user=newcomer) == 1
    membership_remove(acting_user=None, department=department, user=newcomer)
    with pytest.raises(ServiceError) as refused:
        services.message_send(acting_user=newcomer, room_id=sales_room.pk, body="still here?")
    assert refused.value.code == "unknown_room"
    sales_room.refresh_from_db()
    assert sales_room.revision == 5  # the revoke took its place in the room's stream


def test_mentions_notify_readers_once_and_edits_notify_only_new_mentions(member, manager, outsider, sales_room):
    message = say(member, sales_room, "@**max manager** please check")  # names match case-insensitively
    assert message.mentioned_ids == [manager.pk]
    services.message_edit(
        acting_user=member, message_id=message.pk, body="@**Max Manager** please check, @**Olga Outsider**"
    )
    assert Notification.objects.filter(recipient=manager, kind="chat_mention").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()
    say(member, sales_room, "@**Mia Member** note to self")
    assert not Notification.objects.filter(recipient=member).exists()


def test_mentions_in_group_rooms_reach_its_members_only(member, manager, outsider):
    room = services.group_room_create(acting_user=member, name="Secret", member_ids=[outsider.pk])
    message = say(member, room, "@**Olga Outsider** and @**Max Manager**")
    assert message.mentioned_ids == [outsider.pk]


def test_read_positions_only_move_forward(member, manager, sales_room):
    messages = [say(manager, sales_room, f"m{i}") for i in range(4)]
    assert services.room_mark_read(acting_user=member, room_id=sales_room.pk, message_id=messages[2].pk) == (
        messages[2].pk,
        1,
    )
    assert services.room_mark_read(acting_user=member, room_id=sales_room.pk, message_id=messages[0].pk) == (
        messages[2].pk,
        1,
    )
    assert services.room_mark_read(acting_user=member, room_id=sales_room.pk, message_id=10**9) == (messages[3].pk, 0)
    assert ReadPosition.objects.get(user=member, room=sales_room).last_read_id == messages[3].pk


def test_direct_rooms_need_two_different_active_people(member, manager):
    room, created = services.direct_room(acting_user=member, other_id=manager.pk)
    assert created and services.direct_room(acting_user=manager, other_id=member.pk) == (room, False)
    for other in (member.pk, 10**9, "2"):
        with pytest.raises(ServiceError):
            services.direct_room(acting_user=member, other_id=other)
    from apps.accounts.services import user_deactivate

    gone = UserFactory()
    user_deactivate(acting_user=None, user=gone)
    with pytest.raises(ServiceError):
        services.direct_room(acting_user=member, other_id=gone.pk)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_sent_message_is_broadcast_after_commit_as_one_encoded_event(member, sales_room):
    """The event every process's hub receives: the room revision and the frame, encoded once."""
    layer = get_channel_layer(services.chat_layer_alias())
    channel = await layer.new_channel()
    await layer.group_add(selectors.room_group(sales_room.pk), channel)
    message, _ = await database_sync_to_async(services.message_send)(
        acting_user=member, room_id=sales_room.pk, body="*hi*"
    )
    event = await layer.receive(channel)
    assert {k: v for k, v in event.items() if k != "text"} == {
        "type": "chat.event", "room": sales_room.pk, "kind": "message", "rev": 1, "id": message.pk,
    }  # fmt: skip
    import json

    frame = json.loads(event["text"])
    assert frame["type"] == "chat.message" and frame["message"]["html"] == "<p><em>hi</em></p>"
    await database_sync_to_async(services.message_delete)(acting_user=member, message_id=message.pk)
    deleted = await layer.receive(channel)
    assert deleted["kind"] == "delete" and deleted["rev"] == 2
    await layer.group_discard(selectors.room_group(sales_room.pk), channel)


def test_demo_chat_history_is_idempotent(member, manager, sales_room, all_staff_room):
    from apps.chat.demo import seed_chat

    UserFactory(email="alice@example.com", display_name="Alice Martin")
    UserFactory(email="bob@example.com", display_name="Bob Okafor")
    first = seed_chat(seed=1)
    assert first.messages > 0
    assert Message.objects.filter(room=sales_room).exists() and Message.objects.filter(room=all_staff_room).exists()
    assert Room.objects.filter(kind="group", name="Lunch club").exists() and Room.objects.filter(kind="direct").exists()
    count = Message.objects.count()
    assert seed_chat(seed=1).messages == 0 and Message.objects.count() == count


def test_the_rate_limit_slides_so_that_no_burst_gets_through_at_a_window_boundary(settings, member):
    """3 sends per 10 s: three just before a fixed window's end and a fourth just after are four in 10 s."""
    settings.CHAT_RATE_LIMIT_MESSAGES, settings.CHAT_RATE_LIMIT_WINDOW = 3, 10
    boundary = 10 * 180_000_000.0
    for i in range(3):
        services.check_rate(member, now=boundary - 0.5 + i * 0.1)
    with pytest.raises(ServiceError) as refused:
        services.check_rate(member, now=boundary + 0.2)
    assert refused.value.code == "rate_limited" and 0 < refused.value.retry_after <= 10
    services.check_rate(member, now=boundary + 0.2 + refused.value.retry_after)  # waiting as told is enough
