"""Removing and changing a plan's parts (goals, roles, routines), and reviews that read ideas' status history."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.feed import services as feed
from apps.plans import services
from apps.plans.models import CheckIn, Goal, GoalLink, PlanVersion, Role, Routine, RoutineDone
from apps.voting import services as voting
from apps.voting.models import Idea, IdeaStatusChange
from tests.factories import UserFactory, add_member

from .conftest import goal_data

pytestmark = pytest.mark.django_db


def test_removing_a_goal_takes_its_readings_and_tags_frees_its_idea_and_is_a_new_version(department, manager,
                                                                                        member, colleague):  # fmt: skip
    idea = voting.idea_create(acting_user=colleague, department=department, title="Answer every question in a day")
    goal = services.idea_promote(acting_user=manager, idea_id=idea.pk, data=goal_data(member, title=idea.title))
    services.check_in_record(acting_user=member, goal=goal, value="70")
    post = feed.post_create(acting_user=member, department=department, body="We answered 70 %")
    services.goal_link_post(acting_user=member, goal=goal, post_id=post.pk)
    with pytest.raises(Forbidden):
        services.goal_delete(acting_user=member, goal=goal)
    version = services.goal_delete(acting_user=manager, goal=goal)
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert (
        not CheckIn.objects.filter(goal_id=goal.pk).exists() and not GoalLink.objects.filter(goal_id=goal.pk).exists()
    )
    assert post.__class__.objects.filter(pk=post.pk, deleted_at__isnull=True).exists()  # the post stays
    assert not hasattr(Idea.objects.get(pk=idea.pk), "goal")  # the idea no longer says "became goal"
    assert version.summary == f"Goal removed: {goal.title}" and goal.title not in version.body
    entry = AuditEvent.objects.get(action="content.moderated", detail__kind="plan_goal")
    assert entry.actor_id == manager.pk and entry.detail["id"] == goal.pk and entry.detail["check_ins"] == 1
    with pytest.raises(NotFound):
        services.goal_delete(acting_user=manager, goal=goal)


def test_a_company_goal_that_others_roll_up_into_is_not_removed(department, manager, member, company):
    ceo = UserFactory(email="ceo@example.com", display_name="Cora CEO")
    add_member(company, ceo, "manager")
    company_goal = services.goal_create(acting_user=ceo, department=company, data=goal_data(ceo))
    child = services.goal_create(acting_user=manager, department=department,
                                 data=goal_data(member, serves_mission=False, parent=company_goal.pk))  # fmt: skip
    with pytest.raises(Conflict) as refused:
        services.goal_delete(acting_user=ceo, goal=company_goal)
    assert refused.value.code == "rolled_up_into" and refused.value.detail.startswith(
        "1 goal of other departments rolls"
    )
    assert child.title not in refused.value.detail  # All staff's managers do not read Sales' goals
    services.goal_delete(acting_user=manager, goal=child)
    services.goal_delete(acting_user=ceo, goal=company_goal)
    assert not Goal.objects.filter(pk__in=[child.pk, company_goal.pk]).exists()


def test_managers_change_and_remove_roles_and_routines(department, manager, member, colleague, routine):
    role = services.role_save(acting_user=manager, department=department, name="Host", duties="", holder_ids=[])
    services.role_save(acting_user=manager, department=department, role=role, name="Video host", duties="Records",
                       holder_ids=[member.pk])  # fmt: skip
    assert list(Role.objects.get(pk=role.pk).holders.all()) == [member]
    services.routine_mark_done(acting_user=member, routine=routine)
    with pytest.raises(Forbidden):
        services.routine_update(acting_user=member, routine=routine, title="x", owner_id=member.pk, cadence="weekly")
    with pytest.raises(Invalid):
        services.routine_update(acting_user=manager, routine=routine, title="", owner_id=0, cadence="daily")
    changed = services.routine_update(acting_user=manager, routine=routine, title="Post two videos",
                                      owner_id=colleague.pk, cadence="monthly")  # fmt: skip
    assert (changed.title, changed.owner, changed.reminded_for) == ("Post two videos", colleague, None)
    for forbidden in (services.role_delete, services.routine_delete):
        with pytest.raises(Forbidden):
            forbidden(
                acting_user=member, **({"role": role} if forbidden is services.role_delete else {"routine": routine})
            )
    services.role_delete(acting_user=manager, role=role)
    last = services.routine_delete(acting_user=manager, routine=routine)
    assert not Role.objects.filter(pk=role.pk).exists() and not Routine.objects.filter(pk=routine.pk).exists()
    assert not RoutineDone.objects.filter(routine_id=routine.pk).exists()
    summaries = list(PlanVersion.objects.filter(plan=last.plan).values_list("summary", flat=True)[:4])
    assert summaries[:2] == ["Routine removed: Post two videos", "Role removed: Video host"]
    assert AuditEvent.objects.filter(detail__kind__in=["plan_role", "plan_routine"]).count() == 2


def test_a_review_counts_ideas_by_their_status_at_the_end_of_its_period(department, manager, colleague):
    tz = timezone.get_current_timezone()

    def at(day: int) -> datetime:
        return datetime(2026, 3, day, 12, tzinfo=tz)

    shipped_in_march = voting.idea_create(acting_user=colleague, department=department, title="Ship the dashboard")
    shipped_later = voting.idea_create(acting_user=colleague, department=department, title="Plan the webinar")
    never_answered = voting.idea_create(acting_user=colleague, department=department, title="Answer in a day")
    after_march = voting.idea_create(acting_user=colleague, department=department, title="Created in April")
    Idea.objects.filter(pk__in=[shipped_in_march.pk, shipped_later.pk, never_answered.pk]).update(created_at=at(2))
    Idea.objects.filter(pk=after_march.pk).update(created_at=at(2) + timedelta(days=40))
    for idea, status, day in ((shipped_in_march, "planned", 5), (shipped_in_march, "shipped", 20),
                              (shipped_later, "planned", 10), (shipped_later, "shipped", 45)):  # fmt: skip
        change = voting.idea_set_status(acting_user=manager, idea=Idea.objects.get(pk=idea.pk), status=status)
        IdeaStatusChange.objects.filter(pk=change.pk).update(created_at=at(1) + timedelta(days=day - 1))
    activity = services.review_figures(department, date(2026, 3, 1), date(2026, 3, 31))["activity"]
    # today two are shipped and two open; on 31 March one was open, one planned, one shipped (April's not yet there)
    assert activity["idea_statuses"] == {"Open": 1, "Planned": 1, "Shipped": 1}
    assert activity["ideas"] == 3  # new in March
    assert Idea.objects.filter(status="shipped").count() == 2
