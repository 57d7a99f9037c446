"""Every write service authorises its `acting_user` itself, whatever its caller remembered to check.

Each row calls a service directly, as a view would, with someone who may not do it: a
plain member where moderation is needed, an outsider where membership is needed. The
service must refuse (NotFound for what the person cannot see, Forbidden for what they
see but may not change) and change nothing.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts import services as accounts
from apps.chat import services as chat
from apps.chat.models import Room
from apps.core.errors import Forbidden, NotFound
from apps.departments import services as departments
from apps.feed import announcements
from apps.feed import services as feed
from apps.people import services as people
from apps.voting import services as voting
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(department, member, manager, outsider, admin_user):
    colleague = UserFactory(email="colleague2@example.com", display_name="Cleo Colleague")
    add_member(department, colleague)
    post = feed.post_create(acting_user=colleague, department=department, body="Theirs")
    comment = feed.comment_create(acting_user=colleague, post=post, body="Their comment")
    announcement = feed.post_create(
        acting_user=manager, department=department, kind="announcement", body="Read me", requires_ack=True,
        ack_due_at=timezone.now() + timedelta(days=2),
    )  # fmt: skip
    idea = voting.idea_create(acting_user=colleague, department=department, title="Their idea")
    duplicate = voting.idea_create(acting_user=colleague, department=department, title="Their idea again")
    idea_comment = voting.comment_create(acting_user=colleague, idea=idea, body="Theirs")
    poll = voting.poll_create(
        acting_user=colleague, department=department, question="Lunch?", kind="single", options=["A", "B"]
    )
    room = Room.objects.get(department=department)
    message, _ = chat.message_send(acting_user=colleague, room_id=room.pk, body="their message")
    group = chat.group_room_create(acting_user=colleague, name="Their room", member_ids=[member.pk])
    return locals()


REFUSALS = [
    # (who, what they try, expected refusal)
    ("member", lambda w: feed.post_edit(acting_user=w["member"], post=w["post"], body="mine now"), Forbidden),
    ("member", lambda w: feed.post_delete(acting_user=w["member"], post=w["post"]), Forbidden),
    ("outsider", lambda w: feed.comment_create(acting_user=w["outsider"], post=w["post"], body="hi"), NotFound),
    ("member", lambda w: feed.comment_edit(acting_user=w["member"], comment=w["comment"], body="x"), Forbidden),
    ("member", lambda w: feed.comment_delete(acting_user=w["member"], comment=w["comment"]), Forbidden),
    ("admin_user", lambda w: feed.reaction_toggle(acting_user=w["admin_user"], post=w["post"], emoji="heart"), NotFound),
    ("member", lambda w: feed.post_create(acting_user=w["member"], department=w["department"], body="Hear ye",
                                          kind="announcement"), Forbidden),
    ("member", lambda w: announcements.send_ack_reminders(acting_user=w["member"], post=w["announcement"]), Forbidden),
    ("outsider", lambda w: announcements.acknowledge(acting_user=w["outsider"], post=w["announcement"]), NotFound),
    ("member", lambda w: voting.idea_set_status(acting_user=w["member"], idea=w["idea"], status="planned"), Forbidden),
    ("admin_user", lambda w: voting.idea_set_status(acting_user=w["admin_user"], idea=w["idea"], status="planned"),
     Forbidden),
    ("member", lambda w: voting.idea_merge(acting_user=w["member"], duplicate=w["duplicate"], target=w["idea"]),
     Forbidden),
    ("member", lambda w: voting.idea_update(acting_user=w["member"], idea=w["idea"], title="Mine"), Forbidden),
    ("member", lambda w: voting.idea_delete(acting_user=w["member"], idea=w["idea"]), Forbidden),
    ("member", lambda w: voting.comment_delete(acting_user=w["member"], comment=w["idea_comment"]), Forbidden),
    ("member", lambda w: voting.poll_close(acting_user=w["member"], poll=w["poll"]), Forbidden),
    ("member", lambda w: voting.poll_delete(acting_user=w["member"], poll=w["poll"]), Forbidden),
    ("outsider", lambda w: voting.idea_vote(acting_user=w["outsider"], idea=w["idea"]), NotFound),
    ("member", lambda w: chat.message_edit(acting_user=w["member"], message_id=w["message"].pk, body="x"), Forbidden),
    ("member", lambda w: chat.message_delete(acting_user=w["member"], message_id=w["message"].pk), Forbidden),
    ("outsider", lambda w: chat.message_send(acting_user=w["outsider"], room_id=w["room"].pk, body="x"), NotFound),
    ("admin_user", lambda w: chat.message_send(acting_user=w["admin_user"], room_id=w["room"].pk, body="x"), NotFound),
    ("member", lambda w: chat.group_room_update(acting_user=w["member"], room_id=w["group"].pk, name="Mine"), Forbidden),
    ("outsider", lambda w: chat.room_member_add(acting_user=w["outsider"], room_id=w["group"].pk,
                                                user_id=w["outsider"].pk), NotFound),
    ("member", lambda w: chat.room_member_remove(acting_user=w["member"], room_id=w["group"].pk,
                                                 user_id=w["colleague"].pk), Forbidden),
    ("member", lambda w: departments.department_update(acting_user=w["member"], department=w["department"],
                                                       description="Ours now"), Forbidden),
    ("manager", lambda w: departments.department_update(acting_user=w["manager"], department=w["department"],
                                                        name="Renamed"), Forbidden),
    ("manager", lambda w: departments.department_create(acting_user=w["manager"], name="Shadow IT"), Forbidden),
    ("manager", lambda w: departments.department_delete(acting_user=w["manager"], department=w["department"]),
     Forbidden),
    ("member", lambda w: departments.membership_set(acting_user=w["member"], department=w["department"],
                                                    user=w["outsider"]), Forbidden),
    ("member", lambda w: departments.membership_remove(acting_user=w["member"], department=w["department"],
                                                       user=w["colleague"]), Forbidden),
    ("member", lambda w: people.profile_update(acting_user=w["member"], profile=w["colleague"].profile,
                                               display_name="Impostor"), Forbidden),
    ("member", lambda w: people.profile_update(acting_user=w["member"], profile=w["member"].profile,
                                               manager_id=w["manager"].pk), Forbidden),
    ("manager", lambda w: accounts.user_create(acting_user=w["manager"], email="new@example.com"), Forbidden),
    ("manager", lambda w: accounts.user_deactivate(acting_user=w["manager"], user=w["member"]), Forbidden),
    ("manager", lambda w: accounts.user_set_admin(acting_user=w["manager"], user=w["manager"], is_staff=True), Forbidden),
    ("admin_user", lambda w: accounts.user_deactivate(acting_user=w["admin_user"], user=w["admin_user"]), Forbidden),
]  # fmt: skip


def _snapshot() -> list:
    from django.apps import apps

    models = ["feed.Post", "feed.Comment", "feed.Reaction", "feed.AckReminder", "voting.Idea", "voting.IdeaComment",
              "voting.Poll", "chat.Message", "chat.Room", "chat.RoomMember", "departments.Department",
              "departments.Membership", "people.Profile", "accounts.User"]  # fmt: skip
    return [sorted(repr(sorted(row.items())) for row in apps.get_model(m).objects.values()) for m in models]


@pytest.mark.parametrize(("who", "attempt", "refusal"), REFUSALS, ids=[f"row{i}" for i in range(len(REFUSALS))])
def test_the_service_refuses_and_changes_nothing(world, who, attempt, refusal):
    before = _snapshot()
    with pytest.raises(refusal) as error:
        attempt(world)
    assert error.value.code and error.value.detail
    assert _snapshot() == before
