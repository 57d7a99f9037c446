"""Videos in the game plan: linked to goals and video slots (only videos the person watches), and completions as a goal's metric."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import Invalid, NotFound
from apps.plans import services
from apps.plans.models import CheckIn, Slot
from apps.plans.tasks import measure_video_goals
from apps.videos.models import Video, WatchProgress

from .conftest import goal_data

pytestmark = pytest.mark.django_db


def ready(department, uploader, title: str) -> Video:
    """A video as the worker leaves it (its files are not needed here)."""
    return Video.objects.create(department=department, uploader=uploader, title=title, status="ready", duration=60)


def watched(video: Video, *people, complete: bool = True) -> None:
    for person in people:
        WatchProgress.objects.create(video=video, user=person, watched_seconds=60 if complete else 10,
                                     completed_at=timezone.now() if complete else None)  # fmt: skip


def test_a_goal_is_measured_from_who_completed_the_video(department, manager, member, colleague, outsider,
                                                         other_department, company):  # fmt: skip
    onboarding = ready(department, manager, "Onboarding")
    secret = ready(other_department, outsider, "Legal's own video")
    with pytest.raises(Invalid) as refused:
        services.goal_create(acting_user=manager, department=department,
                             data=goal_data(member, measured_video=secret.pk))  # fmt: skip
    assert refused.value.errors["measured_video"][0].startswith("Measurable:")  # as if it did not exist
    with pytest.raises(Invalid) as refused:
        services.goal_create(acting_user=manager, department=department,
                             data=goal_data(member, measured_video=onboarding.pk, target="120"))  # fmt: skip
    assert "between 0 and 100" in refused.value.errors["target"][0]
    goal = services.goal_create(acting_user=manager, department=department, data=goal_data(
        member, title="The team watched the onboarding", unit="", baseline="0", target="80",
        measured_video=onboarding.pk))  # fmt: skip
    assert goal.unit == "% of members" and goal.current_value == 0  # measured at once: nobody yet
    watched(onboarding, member, colleague)
    watched(onboarding, manager, complete=False)
    watched(onboarding, outsider)  # not a member of Sales: not counted
    assert measure_video_goals.call() == 1
    goal.refresh_from_db()
    assert goal.current_value == Decimal("66.67")  # 2 of Sales' 3 members completed it
    reading = CheckIn.objects.get(goal=goal, on=timezone.localdate())
    assert reading.author is None and "2 of 3 members" in reading.comment
    assert reading.evidence_url == f"/videos/{onboarding.pk}/"
    assert services.measure_video_goals() == 1 and CheckIn.objects.filter(goal=goal).count() == 1  # updated in place
    with pytest.raises(Invalid) as refused:
        services.check_in_record(acting_user=member, goal=goal, value="90")
    assert refused.value.code == "measured_goal"
    assert not services.goal_check_in_due(goal, timezone.localdate() + timedelta(days=40))  # no reminder to enter it
    everyone = ready(company, None, "Welcome to the company")
    services.goal_update(acting_user=manager, goal=goal, data=goal_data(
        member, title=goal.title, unit="%", baseline="0", target="80", measured_video=everyone.pk))  # fmt: skip


def test_videos_are_linked_to_goals_and_video_slots_only_when_the_person_watches_them(
    client_as, department, manager, member, outsider, other_department, goal
):
    ours, theirs = ready(department, member, "How we demo"), ready(other_department, outsider, "Contracts 101")
    with pytest.raises(NotFound):
        services.goal_link_video(acting_user=manager, goal=goal, video_id=theirs.pk)
    services.goal_link_video(acting_user=member, goal=goal, video_id=ours.pk)  # the goal's owner
    page = client_as("member").get(goal.get_absolute_url()).content.decode()
    assert f"/videos/{ours.pk}/" in page and "How we demo" in page and "Contracts 101" not in page
    post_slot = services.slot_create(acting_user=manager, department=department, on=timezone.localdate(),
                                     channel="post", theme="News", owner_id=member.pk)  # fmt: skip
    with pytest.raises(Invalid):
        services.slot_link_video(acting_user=member, slot=post_slot, video_id=ours.pk)
    video_slot = services.slot_create(acting_user=manager, department=department, on=timezone.localdate(),
                                      channel="video", theme="Demo tips", owner_id=member.pk)  # fmt: skip
    html = client_as("member").get("/plans/d/sales/content/?view=week").content.decode()
    assert f'action="/plans/slots/{video_slot.pk}/video/"' in html and "Contracts 101" not in html
    response = client_as("member").post(f"/api/v1/slots/{video_slot.pk}/video/", {"video": theirs.pk},
                                        content_type="application/json")  # fmt: skip
    assert response.status_code == 404 and Slot.objects.get(pk=video_slot.pk).video is None
    response = client_as("member").post(f"/api/v1/slots/{video_slot.pk}/video/", {"video": ours.pk},
                                        content_type="application/json")  # fmt: skip
    assert response.status_code == 200 and response.json()["video"] == ours.pk
    assert response.json()["status"] == "published"
