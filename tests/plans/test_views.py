"""Game plan pages and API: the permission matrix, bad input, and query counts that stay flat as goals grow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.feed import services as feed
from apps.plans import services
from apps.plans.models import CheckIn
from apps.videos.models import Video
from apps.voting import services as voting
from tests.matrix import cases, check, matrix
from tests.matrix import expect as S

from .conftest import goal_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(department, member, manager, colleague, outsider, admin_user, company, goal, routine, slot, review):
    idea = voting.idea_create(acting_user=colleague, department=department, title="Answer faster")
    post = feed.post_create(acting_user=member, department=department, body="Our news")
    role = services.role_save(acting_user=manager, department=department, name="Host", duties="", holder_ids=[])
    video = Video.objects.create(department=department, uploader=manager, title="How we demo", status="ready")
    video_slot = services.slot_create(acting_user=manager, department=department, on=timezone.localdate(),
                                      channel="video", theme="Demo tips", owner_id=member.pk)  # fmt: skip
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    return {
        "goal": goal.pk, "routine": routine.pk, "slot": slot.pk, "review": review.pk, "idea": idea.pk, "role": role.pk,
        "video": video.pk, "video_slot": video_slot.pk,
        "post": post.pk, "member_id": member.pk, "day": day,
        "goal_form": {k: ("" if v is None else v) for k, v in goal_data(member).items()},
    }  # fmt: skip


PAGES = matrix(
    ("get", "/plans/", None, S(302, 200, 200, 200, 200)),
    ("get", "/plans/d/sales/", None, S(302, 404, 200, 200, 404)),
    ("get", "/plans/d/sales/edit/", None, S(302, 404, 403, 200, 404)),
    ("post", "/plans/d/sales/edit/", {"name": "Sales 2026", "theme": "Fast", "mission": "m", "principles": "p",
                                      "review_period": "monthly"}, S(302, 404, 403, 302, 404)),
    ("get", "/plans/d/sales/history/", None, S(302, 404, 200, 200, 404)),
    ("post", "/plans/d/sales/follow/", {"follow": "1"}, S(302, 404, 302, 302, 404)),
    ("get", "/plans/d/sales/goals/new/", None, S(302, 404, 403, 200, 404)),
    ("post", "/plans/d/sales/goals/new/", "{goal_form}", S(302, 404, 403, 302, 404)),
    ("post", "/plans/d/sales/roles/", {"name": "Editor", "holders": ["{member_id}"]}, S(302, 404, 403, 302, 404)),
    ("post", "/plans/d/sales/routines/", {"title": "Weekly tips", "owner": "{member_id}", "cadence": "weekly"},
     S(302, 404, 403, 302, 404)),
    ("get", "/plans/d/sales/reviews/new/", None, S(302, 404, 403, 200, 404)),
    ("post", "/plans/d/sales/reviews/new/", {"worked": "w", "changes": "c"}, S(302, 404, 403, 302, 404)),
    ("get", "/plans/d/sales/content/", None, S(302, 404, 200, 200, 404)),
    ("get", "/plans/d/sales/content/?view=week", None, S(302, 404, 200, 200, 404)),
    ("post", "/plans/d/sales/content/", {"on": "{day}", "channel": "video", "theme": "How we demo",
                                         "owner": "{member_id}", "status": "idea"}, S(302, 404, 403, 302, 404)),
    ("get", "/plans/goals/{goal}/", None, S(302, 404, 200, 200, 404)),
    ("get", "/plans/goals/{goal}/?fragment=card", None, S(302, 404, 200, 200, 404)),
    ("get", "/plans/goals/{goal}/edit/", None, S(302, 404, 403, 200, 404)),
    ("post", "/plans/goals/{goal}/edit/", "{goal_form}", S(302, 404, 403, 302, 404)),
    ("post", "/plans/goals/{goal}/delete/", None, S(302, 404, 403, 302, 404)),
    ("get", "/plans/roles/{role}/edit/", None, S(302, 404, 403, 200, 404)),
    ("post", "/plans/roles/{role}/edit/", {"name": "Hosts", "holders": ["{member_id}"]}, S(302, 404, 403, 302, 404)),
    ("post", "/plans/roles/{role}/delete/", None, S(302, 404, 403, 302, 404)),
    ("get", "/plans/routines/{routine}/edit/", None, S(302, 404, 403, 200, 404)),
    ("post", "/plans/routines/{routine}/edit/", {"title": "Monthly tips", "owner": "{member_id}", "cadence": "monthly"},
     S(302, 404, 403, 302, 404)),
    ("post", "/plans/routines/{routine}/delete/", None, S(302, 404, 403, 302, 404)),
    ("post", "/plans/goals/{goal}/check-ins/", {"value": "60"}, S(302, 404, 302, 302, 404)),
    ("post", "/plans/goals/{goal}/links/", {"post": "{post}"}, S(302, 404, 302, 302, 404)),
    ("post", "/plans/routines/{routine}/done/", None, S(302, 404, 302, 302, 404)),
    ("post", "/plans/goals/{goal}/videos/", {"video": "{video}"}, S(302, 404, 302, 302, 404)),
    ("post", "/plans/slots/{video_slot}/video/", {"video": "{video}"}, S(302, 404, 302, 302, 404)),
    ("get", "/plans/reviews/{review}/", None, S(302, 404, 200, 200, 404)),
    ("post", "/plans/reviews/{review}/accept/", None, S(302, 404, 403, 302, 404)),
    ("post", "/plans/slots/{slot}/status/", {"status": "draft"}, S(302, 404, 302, 302, 404)),
    ("post", "/plans/slots/{slot}/publish/", {"body": "Our story"}, S(302, 404, 302, 302, 404)),
    ("get", "/plans/ideas/{idea}/promote/", None, S(302, 404, 403, 200, 404)),
    ("post", "/plans/ideas/{idea}/promote/", "{goal_form}", S(302, 404, 403, 302, 404)),
    ("get", "/plans/company-calendar/", None, S(302, 403, 403, 403, 200)),  # All staff's moderators
    ("get", "/plans/calendar/", None, S(302, 200, 200, 200, 200)),
    ("post", "/plans/calendar/reset/", None, S(302, 302, 302, 302, 302)),
    ("post", "/plans/calendar/revoke/", None, S(302, 302, 302, 302, 302)),
    ("get", "/plans/calendar/not-a-secret-of-anyone-at-all.ics", None, S(404, 404, 404, 404, 404)),
)  # fmt: skip

API = matrix(
    ("get", "/api/v1/plans/sales/", None, S(401, 404, 200, 200, 404)),
    ("put", "/api/v1/plans/sales/", {"name": "Sales", "mission": "Sell"}, S(401, 404, 403, 200, 404)),
    ("get", "/api/v1/plans/sales/versions/", None, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/plans/sales/diff/?from=1&to=2", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/plans/sales/follow/", {"follow": True}, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/goals/", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/goals/?department=sales", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/goals/", {"department": "sales",
                                "title": "Answer in a day", "description": "d", "unit": "%", "baseline": "1",
                                "target": "2", "owner": "{member_id}", "serves_mission": True,
                                "starts_on": "2026-01-01", "due_on": "2027-01-01"}, S(401, 404, 403, 201, 404)),
    ("get", "/api/v1/goals/{goal}/", None, S(401, 404, 200, 200, 404)),
    ("delete", "/api/v1/goals/{goal}/", None, S(401, 404, 403, 204, 404)),
    ("get", "/api/v1/goals/{goal}/check-ins/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/goals/{goal}/check-ins/", {"value": "61"}, S(401, 404, 201, 201, 404)),
    ("post", "/api/v1/goals/{goal}/links/", {"post": "{post}"}, S(401, 404, 201, 201, 404)),
    ("post", "/api/v1/goals/{goal}/videos/", {"video": "{video}"}, S(401, 404, 201, 201, 404)),
    ("post", "/api/v1/slots/{video_slot}/video/", {"video": "{video}"}, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/goals/from-idea/", {"idea": "{idea}", "unit": "%", "baseline": "1", "target": "2",
                                          "owner": "{member_id}", "serves_mission": True, "starts_on": "2026-01-01",
                                          "due_on": "2027-01-01"}, S(401, 404, 403, 201, 404)),
    ("get", "/api/v1/roles/?department=sales", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/roles/", {"department": "sales", "name": "Host", "holders": ["{member_id}"]},
     S(401, 404, 403, 201, 404)),
    ("patch", "/api/v1/roles/{role}/", {"name": "Hosts", "holders": []}, S(401, 404, 403, 200, 404)),
    ("delete", "/api/v1/roles/{role}/", None, S(401, 404, 403, 204, 404)),
    ("get", "/api/v1/routines/?department=sales", None, S(401, 404, 200, 200, 404)),
    ("patch", "/api/v1/routines/{routine}/", {"cadence": "monthly"}, S(401, 404, 403, 200, 404)),
    ("delete", "/api/v1/routines/{routine}/", None, S(401, 404, 403, 204, 404)),
    ("post", "/api/v1/routines/", {"department": "sales", "title": "Tips", "owner": "{member_id}",
                                   "cadence": "weekly"}, S(401, 404, 403, 201, 404)),
    ("post", "/api/v1/routines/{routine}/done/", {}, S(401, 404, 201, 201, 404)),
    ("get", "/api/v1/slots/?department=sales", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/slots/", {"department": "sales", "on": "{day}", "channel": "post", "theme": "Tips",
                                "owner": "{member_id}"}, S(401, 404, 403, 201, 404)),
    ("post", "/api/v1/slots/{slot}/status/", {"status": "draft"}, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/reviews/?department=sales", None, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/reviews/{review}/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/reviews/", {"department": "sales", "worked": "w"}, S(401, 404, 403, 201, 404)),
    ("post", "/api/v1/reviews/{review}/accept/", None, S(401, 404, 403, 200, 404)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(PAGES))
def test_plan_pages_check_permissions(client_as, world, route, role):
    check(client_as, world, route, role)


@pytest.mark.parametrize(("route", "role"), cases(API))
def test_plan_api_checks_permissions(client_as, world, route, role):
    check(client_as, world, route, role)


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
