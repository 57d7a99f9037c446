"""A query compiled once per process gives each person what the ORM would build for them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.chat import services as chat
from apps.chat.models import Room, RoomSetting
from apps.core.compiled import _UNSAFE, PersonQuery
from apps.core.shell import _Badges, _badges_query
from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import DepartmentFactory, add_member

pytestmark = pytest.mark.django_db


def _orm(user) -> tuple:
    return tuple(_badges_query(user).first())


def test_the_header_badges_compiled_once_count_as_the_orm_does_for_each_person(member, manager, outsider, department):
    badges = PersonQuery(_badges_query)
    room = Room.objects.get(department=department)
    other = DepartmentFactory(name="Compliance")
    add_member(other, member)
    chat.message_send(acting_user=manager, room_id=room.pk, body="one")
    chat.message_send(acting_user=manager, room_id=room.pk, body="two")
    notify(recipients=[member], kind="mention", title="You were mentioned", url="/")
    RoomSetting.objects.create(room=Room.objects.get(department=other), user=member, level=RoomSetting.Level.NOTHING)
    answers = {user.email: tuple(badges.rows(user)[0]) for user in (member, manager, outsider)}
    assert _Badges(member).counts == (1, 2) and all(type(n) is int for n in _Badges(member).counts)
    assert badges._compiled not in (None, _UNSAFE)  # one SQL for everyone
    assert answers == {user.email: _orm(user) for user in (member, manager, outsider)}
    assert answers[member.email] == (1, 2) and answers[manager.email] == (0, 0)
    chat.message_send(acting_user=member, room_id=room.pk, body="mine does not count for me")
    assert tuple(badges.rows(manager)[0]) == (0, 1) == _orm(manager)


def test_a_query_that_reads_the_time_is_not_cached_and_stays_right(member):
    recent = PersonQuery(lambda user: Notification.objects.filter(
        recipient=user, created_at__gte=timezone.now() - timedelta(minutes=1)).values_list("title"))  # fmt: skip
    assert recent.rows(member) == []
    notify(recipients=[member], kind="mention", title="Just now", url="/")
    assert recent.rows(member) == [("Just now",)] and recent._compiled is _UNSAFE


def test_someone_no_longer_active_gets_the_query_built_for_them(member):
    member.is_active = False
    assert PersonQuery(_badges_query).rows(member) == [(0, 0)]


def test_a_query_that_depends_on_being_an_admin_is_not_cached(member, admin_user):
    staff_only = PersonQuery(lambda user: Notification.objects.filter(recipient=user, id__gt=0 if user.is_staff else -1)
                             .values_list("title"))  # fmt: skip
    notify(recipients=[member, admin_user], kind="mention", title="Hello", url="/")
    assert staff_only.rows(member) == staff_only.rows(admin_user) == [("Hello",)] and staff_only._compiled is _UNSAFE
