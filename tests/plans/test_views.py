"""Game plan pages and API: the permission matrix, bad input, and query counts that stay flat as goals grow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.plans import services
from apps.plans.models import CheckIn
from apps.voting import services as voting

from .conftest import goal_data

pytestmark = pytest.mark.django_db


def test_the_goal_owner_checks_in_and_another_member_may_not(client_as, goal, colleague, member):
    from django.test import Client

    other = Client()
    other.force_login(colleague)
    response = other.post(f"/api/v1/goals/{goal.pk}/check-ins/", {"value": "70"}, content_type="application/json")
    assert response.status_code == 403
    assert client_as("member").post(f"/api/v1/goals/{goal.pk}/check-ins/", {"value": "70"},
                                    content_type="application/json").status_code == 201  # fmt: skip
    assert CheckIn.objects.filter(goal=goal).count() == 1


def test_the_goal_form_says_which_smart_letter_is_missing(client_as, goal, member):
    data = {k: ("" if v is None else v) for k, v in goal_data(member, unit="", starts_on=None).items()}
    response = client_as("manager").post("/plans/d/sales/goals/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Measurable: say what is counted" in html and "Time-bound: give a start date" in html
    api = client_as("manager").post("/api/v1/goals/", {**data, "department": "sales", "starts_on": None, "parent": None},
                                    content_type="application/json")  # fmt: skip
    assert api.status_code == 400 and api.json()["code"] == "not_smart" and "unit" in api.json()["errors"]


def test_the_plan_page_shows_goals_charts_routines_and_the_last_review(client_as, goal, routine, review, member):
    services.check_in_record(acting_user=member, goal=goal, value="70")
    html = client_as("member").get("/plans/d/sales/").content.decode()
    assert goal.title in html and 'class="chart goal-chart"' in html and "<desc" in html
    assert routine.title in html and "Mark done" in html  # the member owns it
    assert f"/plans/reviews/{review.pk}/" in html and "Progress is (latest value" in html


def _many_goals(department, manager, member, count):
    for k in range(count):
        goal = services.goal_create(acting_user=manager, department=department,
                                    data=goal_data(member, title=f"Goal number {k}"))  # fmt: skip
        for day in (20, 10, 1):
            CheckIn.objects.create(goal=goal, value=55 + k % 30, on=timezone.localdate() - timedelta(days=day))


@pytest.mark.parametrize("count", [3, 50])
def test_the_plan_page_costs_the_same_queries_for_3_and_50_goals(client_as, department, manager, member, routine,
                                                                  review, count, django_assert_max_num_queries):  # fmt: skip
    _many_goals(department, manager, member, count)
    client = client_as("manager")
    client.get("/plans/d/sales/")  # warm the per-person caches (policies, notifications)
    with django_assert_max_num_queries(20):
        response = client.get("/plans/d/sales/")
    charts = response.content.decode().count('class="chart goal-chart"')
    assert response.status_code == 200 and charts == count + 1  # and the review fixture's goal


@pytest.mark.parametrize("count", [3, 50])
def test_the_goal_list_api_costs_the_same_queries(client_as, department, manager, member, count,
                                                   django_assert_num_queries):  # fmt: skip
    """User, department, goals (owners and departments joined): the 22 once measured were mostly the login.

    The session comes from the cache (apps.accounts.identity); the user once, then from the cache too."""
    _many_goals(department, manager, member, count)
    client = client_as("member")  # logged in outside the count
    with django_assert_num_queries(3):
        response = client.get("/api/v1/goals/?department=sales")
    assert len(response.json()["results"]) == count
    assert all(goal["owner"]["id"] == member.pk for goal in response.json()["results"])


def test_the_content_plan_shows_slots_posts_gaps_and_overload(client_as, department, manager, member):
    day = timezone.localdate()
    for k in range(4):
        services.slot_create(acting_user=manager, department=department, on=day, channel="post", theme=f"Item {k}",
                             owner_id=member.pk)  # fmt: skip
    html = client_as("member").get("/plans/d/sales/content/?view=week").content.decode()
    assert "Item 3" in html and "overload" in html and "cal-gap" in html
    assert "Write it" in html  # the member owns these slots: she may write the post that fills one


def test_a_members_profile_shows_the_roles_they_hold_to_those_who_read_the_plan(client_as, department, manager,
                                                                                member, outsider):  # fmt: skip
    services.role_save(acting_user=manager, department=department, name="Video host", duties="Records videos",
                       holder_ids=[member.pk])  # fmt: skip
    assert "Video host" in client_as("manager").get(f"/people/{member.pk}/").content.decode()
    assert "Video host" not in client_as("outsider").get(f"/people/{member.pk}/").content.decode()


def test_an_idea_that_became_a_goal_says_so(client_as, department, manager, member, colleague):
    idea = voting.idea_create(acting_user=colleague, department=department, title="Answer every question in a day")
    page = client_as("manager").get(f"/ideas/sales/{idea.pk}/").content.decode()
    assert f"/plans/ideas/{idea.pk}/promote/" in page
    goal = services.idea_promote(acting_user=manager, idea_id=idea.pk, data=goal_data(member, title=idea.title))
    page = client_as("member").get(f"/ideas/sales/{idea.pk}/").content.decode()
    assert "Became the goal" in page and goal.get_absolute_url() in page
