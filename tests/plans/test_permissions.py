"""Game plan pages and API: who may do what (the permission matrix), in one world built once for the module."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.departments.services import company_wide_department
from apps.feed import services as feed
from apps.plans import services
from apps.videos.models import Video
from apps.voting import services as voting
from tests.matrix import cases, check, matrix
from tests.matrix import expect as S
from tests.shared_world import shared_world

from .conftest import goal_data, make_goal, make_review, make_routine, make_slot

pytestmark = pytest.mark.django_db


def _world(cast: dict) -> dict:
    department, member, manager, colleague = (cast[k] for k in ("department", "member", "manager", "colleague"))
    company_wide_department()
    goal = make_goal(department, manager, member)
    routine, slot = make_routine(department, manager, member), make_slot(department, manager, member)
    review = make_review(department, manager, goal)
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


shared = shared_world(_world)


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
def test_plan_pages_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)


@pytest.mark.parametrize(("route", "role"), cases(API))
def test_plan_api_checks_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
