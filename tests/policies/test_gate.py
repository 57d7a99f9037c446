"""Writing waits for the accepted policy; reading never does. The check is cached per person and version."""

import pytest

from apps.chat import services as chat_services
from apps.chat.models import Room
from apps.core.errors import Forbidden
from apps.departments.access import can_contribute, can_read, write_refusal
from apps.feed import services as feed_services
from apps.policies import gate, services
from apps.voting import services as voting_services
from tests.factories import UserFactory, add_member

from .conftest import accept

pytestmark = pytest.mark.django_db


def test_without_any_policy_nothing_is_asked_and_everyone_writes(department, member):
    assert gate.pending_for(member) == []
    assert can_contribute(member, department)
    feed_services.post_create(acting_user=member, department=department, body="Hello")


def test_an_unaccepted_company_policy_stops_every_kind_of_write_with_a_link(department, member, company_policy):
    room = Room.objects.get(department=department)
    assert can_read(member, department) and not can_contribute(member, department)
    writes = [
        lambda: feed_services.post_create(acting_user=member, department=department, body="Hi"),
        lambda: chat_services.message_send(acting_user=member, room_id=room.pk, body="hi"),
        lambda: voting_services.idea_create(acting_user=member, department=department, title="An idea"),
    ]
    for write in writes:
        with pytest.raises(Forbidden) as refused:
            write()
        assert refused.value.code == "policy_not_accepted"
        assert "/policies/accept/" in refused.value.detail
    accept(member, company_policy)
    for write in writes:
        write()


def test_comments_and_reactions_wait_for_the_policy_too(department, member, manager, company_policy):
    accept(manager, company_policy)
    post = feed_services.post_create(acting_user=manager, department=department, body="News")
    with pytest.raises(Forbidden, match="accept"):
        feed_services.comment_create(acting_user=member, post=post, body="Nice")
    with pytest.raises(Forbidden):
        feed_services.reaction_toggle(acting_user=member, post=post, emoji="heart")


def test_a_private_conversation_needs_the_company_policy_but_no_department_policy(member, manager, sales_policy):
    room, _ = chat_services.direct_room(acting_user=member, other_id=manager.pk)
    chat_services.message_send(acting_user=member, room_id=room.pk, body="hi")  # no company policy
    assert write_refusal(member, None) is None


def test_a_department_policy_binds_its_members_only(department, other_department, member, outsider, sales_policy):
    assert not can_contribute(member, department)
    assert can_contribute(outsider, other_department)
    accept(member, sales_policy)
    assert can_contribute(member, department)


def test_a_new_version_asks_again_and_a_minor_edit_does_not(department, member, admin_user, company_policy):
    accept(member, company_policy)
    services.policy_publish_version(
        acting_user=admin_user, policy=company_policy, body="Fixed a typo.", summary="Typo", needs_acceptance=False
    )
    assert can_contribute(member, department)
    services.policy_publish_version(
        acting_user=admin_user, policy=company_policy, body="New rules: no photos of screens.", summary="Photos"
    )
    assert not can_contribute(member, department)
    assert [r.version for r in gate.pending_for(member)] == [3]
    accept(member, company_policy)
    assert can_contribute(member, department)


def test_a_new_member_gets_the_departments_policy_when_they_join(department, sales_policy):
    newcomer = UserFactory(display_name="Nina New")
    assert gate.pending_for(newcomer) == []
    add_member(department, newcomer)
    assert [r.policy_id for r in gate.pending_for(newcomer)] == [sales_policy.pk]
    assert newcomer.notifications.filter(kind="policy").exists()


def test_the_check_costs_no_query_once_warm(
    department, member, company_policy, sales_policy, django_assert_num_queries
):
    accept(member, company_policy)
    accept(member, sales_policy)
    assert write_refusal(member, department) is None  # warms the cache
    assert gate.pending_for(member) == []
    with django_assert_num_queries(0):
        for _ in range(5):
            assert write_refusal(member, department) is None
            assert gate.pending_for(member) == []


def test_acceptance_and_new_versions_refresh_the_cached_answer(department, member, admin_user, company_policy):
    assert write_refusal(member, department) is not None
    accept(member, company_policy)
    assert write_refusal(member, department) is None
    services.policy_publish_version(acting_user=admin_user, policy=company_policy, body="v2", summary="v2")
    assert write_refusal(member, department) is not None


def test_deleting_a_department_drops_its_policy_from_what_people_must_accept(member, department, sales_policy):
    from apps.departments.services import department_delete

    assert gate.pending_for(member)
    department_delete(acting_user=None, department=department)
    assert gate.pending_for(member) == []


def test_with_the_cache_down_the_answers_come_from_the_database(settings, department, member, company_policy):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    assert write_refusal(member, department).code == "policy_not_accepted"
    accept(member, company_policy)
    assert write_refusal(member, department) is None
    assert gate.pending_for(member) == []
