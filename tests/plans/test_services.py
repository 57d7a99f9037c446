"""The plan's services: SMART validation, check-ins, versions and diffs, following, ideas, reviews, clashes, reminders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.notifications.models import Notification
from apps.plans import selectors, services
from apps.plans.models import Goal, PlanVersion, RoutineDone
from apps.voting import services as voting
from tests.factories import DepartmentFactory, UserFactory, add_member

from .conftest import goal_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("changes", "field", "letter"),
    [
        ({"title": ""}, "title", "Specific"),
        ({"description": ""}, "description", "Specific"),
        ({"unit": ""}, "unit", "Measurable"),
        ({"baseline": ""}, "baseline", "Measurable"),
        ({"target": "abc"}, "target", "Measurable"),
        ({"target": "50"}, "target", "Measurable"),  # zero range
        ({"target": "10"}, "target", "Measurable"),  # up, but the target is below the baseline
        ({"owner": None}, "owner", "Achievable"),
        ({"serves_mission": False}, "serves_mission", "Relevant"),
        ({"starts_on": None}, "starts_on", "Time-bound"),
        ({"due_on": None}, "due_on", "Time-bound"),
    ],
)
def test_a_goal_that_is_not_smart_is_refused_naming_the_missing_letter(department, manager, member, changes, field,
                                                                       letter):  # fmt: skip
    with pytest.raises(Invalid) as refused:
        services.goal_create(acting_user=manager, department=department, data=goal_data(member, **changes))
    assert refused.value.code == "not_smart"
    assert refused.value.errors[field][0].startswith(letter + ":")
    assert not Goal.objects.exists()


def test_the_owner_must_be_a_member_and_a_due_date_after_the_start(department, manager, member, outsider):
    with pytest.raises(Invalid) as refused:
        services.goal_create(acting_user=manager, department=department, data=goal_data(outsider))
    assert "owner" in refused.value.errors
    start = timezone.localdate()
    with pytest.raises(Invalid) as refused:
        services.goal_create(acting_user=manager, department=department,
                             data=goal_data(member, starts_on=start, due_on=start))  # fmt: skip
    assert refused.value.errors["due_on"][0].startswith("Time-bound:")


def test_a_goal_rolls_up_into_an_all_staff_goal_only(department, manager, member, company):
    admin_manager = UserFactory(email="ceo@example.com", display_name="Cora CEO")
    add_member(company, admin_manager, "manager")
    company_goal = services.goal_create(acting_user=admin_manager, department=company, data=goal_data(admin_manager))
    goal = services.goal_create(acting_user=manager, department=department,
                                data=goal_data(member, serves_mission=False, parent=company_goal.pk))  # fmt: skip
    assert goal.parent == company_goal
    other = services.goal_create(acting_user=manager, department=department, data=goal_data(member))
    with pytest.raises(Invalid) as refused:
        services.goal_create(acting_user=manager, department=department,
                             data=goal_data(member, serves_mission=False, parent=other.pk))  # fmt: skip
    assert refused.value.errors["parent"][0].startswith("Relevant:")


def test_only_managers_edit_and_outsiders_do_not_learn_the_plan_exists(department, member, outsider, admin_user):
    with pytest.raises(Forbidden):
        services.goal_create(acting_user=member, department=department, data=goal_data(member))
    for stranger in (outsider, admin_user):
        with pytest.raises(NotFound):
            services.plan_update(acting_user=stranger, department=department, name="x", theme="", mission="",
                                 principles="", review_period="monthly")  # fmt: skip


def test_the_owner_checks_in_and_progress_follows(goal, member, colleague):
    services.check_in_record(acting_user=member, goal=goal, value="70", comment="Good week",
                             evidence_url="/feed/posts/1/")  # fmt: skip
    goal.refresh_from_db()
    assert goal.current_value == 70 and services.goal_standing(goal).percent == 50
    with pytest.raises(Forbidden):
        services.check_in_record(acting_user=colleague, goal=goal, value="80")
    with pytest.raises(Invalid):
        services.check_in_record(acting_user=member, goal=goal, value="80", evidence_url="https://evil.example/")
    with pytest.raises(Invalid):
        services.check_in_record(acting_user=member, goal=goal, value="80", on=timezone.localdate() + timedelta(1))


def test_every_edit_is_a_version_with_who_when_and_a_readable_diff(department, manager, member):
    services.plan_update(acting_user=manager, department=department, name="Sales 2026", theme="Customers first",
                         mission="We **sell** fairly.", principles="- Be kind", review_period="monthly")  # fmt: skip
    services.plan_update(acting_user=manager, department=department, name="Sales 2026", theme="Customers first",
                         mission="We sell fairly and fast.", principles="- Be kind", review_period="quarterly",
                         summary="Faster")  # fmt: skip
    old, new = PlanVersion.objects.filter(plan__department=department).order_by("number")
    assert (old.number, new.number, new.created_by, new.summary) == (1, 2, manager, "Faster")
    lines = selectors.diff(old, new)
    assert ("removed", "We **sell** fairly.") in [(line.kind, line.text) for line in lines]
    assert ("added", "We sell fairly and fast.") in [(line.kind, line.text) for line in lines]
    assert ("added", "Reviews: Quarterly") in [(line.kind, line.text) for line in lines]
    goal = services.goal_create(acting_user=manager, department=department, data=goal_data(member))
    latest = PlanVersion.objects.filter(plan__department=department).first()
    assert latest.number == 3 and goal.title in latest.body


def test_the_mission_is_sanitised(department, manager):
    plan = services.plan_update(acting_user=manager, department=department, name="", theme="",
                                mission="<script>alert(1)</script>**ok**", principles="", review_period="monthly")  # fmt: skip
    assert "<script" not in plan.mission_html and "<strong>ok</strong>" in plan.mission_html


def test_followers_are_told_of_changes(department, manager, member):
    services.plan_follow(acting_user=member, department=department)
    services.plan_update(acting_user=manager, department=department, name="New", theme="", mission="",
                         principles="", review_period="monthly", summary="Renamed")  # fmt: skip
    notice = Notification.objects.get(recipient=member, kind="plan")
    assert "Renamed" in notice.title and notice.url == "/plans/d/sales/history/"
    services.plan_follow(acting_user=member, department=department, follow=False)
    services.plan_update(acting_user=manager, department=department, name="Again", theme="", mission="",
                         principles="", review_period="monthly")  # fmt: skip
    assert Notification.objects.filter(recipient=member, kind="plan").count() == 1


def test_a_manager_promotes_an_idea_and_its_voters_are_told(department, manager, member, colleague):
    idea = voting.idea_create(acting_user=colleague, department=department, title="Answer every question in a day")
    voting.idea_vote(acting_user=member, idea=idea)
    with pytest.raises(Forbidden):
        services.idea_promote(acting_user=member, idea_id=idea.pk, data=goal_data(member, title=""))
    goal = services.idea_promote(acting_user=manager, idea_id=idea.pk, data=goal_data(member, title=idea.title))
    assert goal.idea == idea and Goal.objects.get(idea=idea) == goal
    assert Notification.objects.filter(recipient=member, kind="plan", url=goal.get_absolute_url()).exists()
    with pytest.raises(Conflict):
        services.idea_promote(acting_user=manager, idea_id=idea.pk, data=goal_data(member))


def test_a_review_pulls_in_figures_and_its_proposals_become_a_new_version(review, goal, manager):
    assert review.figures["goals"][0]["title"] == goal.title
    assert set(review.figures["activity"]) >= {"posts", "comments", "reactions", "ideas", "chat_messages"}
    version = services.review_accept(acting_user=manager, review=review)
    goal.refresh_from_db()
    assert goal.target == 95 and "95" in version.body
    with pytest.raises(Conflict):
        services.review_accept(acting_user=manager, review=review)


def test_a_routine_is_done_once_per_period_by_its_owner(routine, member, colleague):
    with pytest.raises(Forbidden):
        services.routine_mark_done(acting_user=colleague, routine=routine)
    services.routine_mark_done(acting_user=member, routine=routine, evidence_url="/feed/posts/3/")
    assert RoutineDone.objects.get().period_start == timezone.localdate().replace(day=1)
    with pytest.raises(Conflict):
        services.routine_mark_done(acting_user=member, routine=routine)


def test_two_departments_announcing_to_all_staff_on_the_same_day_clash(department, manager, member):
    legal = DepartmentFactory(name="Marketing")
    lead = UserFactory(email="lea@example.com", display_name="Lea Lead")
    add_member(legal, lead, "manager")
    day = timezone.localdate() + timedelta(days=5)
    ours = services.slot_create(acting_user=manager, department=department, on=day, channel="announcement",
                                theme="Price change", owner_id=member.pk, company_wide=True)  # fmt: skip
    assert services.clashes_for(ours) == []
    theirs = services.slot_create(acting_user=lead, department=legal, on=day, channel="announcement",
                                  theme="Rebrand", owner_id=lead.pk, company_wide=True)  # fmt: skip
    assert services.clashes_for(theirs) == [ours]
    calendar = selectors.company_calendar(day.replace(day=1))
    assert calendar["clashes"] == [day]
    quiet = services.slot_create(acting_user=lead, department=legal, on=day, channel="post", theme="Team lunch",
                                 owner_id=lead.pk)  # fmt: skip
    assert services.clashes_for(quiet) == []


def test_a_post_written_from_a_slot_is_matched_to_it(slot, member):
    post = services.slot_publish(acting_user=member, slot=slot, body="Our customer story")
    slot.refresh_from_db()
    assert slot.post == post and slot.status == "published"
    with pytest.raises(Conflict):
        services.slot_publish(acting_user=member, slot=slot, body="Again")
