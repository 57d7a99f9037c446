"""Required viewing: a view completes at 90 % of plausible watching; seeking to the end does not count."""

import time
from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.core.errors import Forbidden, Invalid
from apps.videos import selectors, services
from apps.videos.api import VideoViewSet
from apps.videos.models import WatchProgress

pytestmark = pytest.mark.django_db


def _watch(user, video, positions, *, every: float = 1.0):
    """Report positions `every` seconds apart, as the player does while it plays."""
    start = timezone.now()
    row = None
    for index, position in enumerate(positions):
        row = services.progress_report(
            acting_user=user, video_id=video.pk, position=position, now=start + timedelta(seconds=index * every)
        )
    return row


def test_watching_through_completes(member, video):
    row = _watch(member, video, [0, 1, video.duration])
    assert row.completed_at is not None and row.watched_seconds >= 0.9 * video.duration


def test_seeking_to_the_end_does_not_complete(member, video):
    row = _watch(member, video, [0, video.duration], every=0.1)
    assert row.completed_at is None and row.watched_seconds == 0
    assert row.last_position == video.duration  # the player is there, but nothing was watched


def test_double_speed_counts_but_faster_does_not(member, colleague, video):
    assert _watch(member, video, [0, 1.0, 2.0], every=0.5).watched_seconds == 2.0  # 2x speed
    assert _watch(colleague, video, [0, 2.0], every=0.4).watched_seconds == 0  # 5x: a seek


def test_a_report_that_arrives_after_a_later_one_changes_nothing(member, video):
    """Two reports in flight on a slow server: the older one, processed last, must not reset the position."""
    start = timezone.now()
    later = start + timedelta(seconds=1)
    services.progress_report(acting_user=member, video_id=video.pk, position=0.0, now=start - timedelta(seconds=1))
    services.progress_report(acting_user=member, video_id=video.pk, position=1.0, now=later)
    stale = services.progress_report(acting_user=member, video_id=video.pk, position=0.0, now=start)
    assert (stale.last_position, stale.last_report_at) == (1.0, later)
    row = services.progress_report(
        acting_user=member, video_id=video.pk, position=video.duration, now=later + timedelta(seconds=video.duration)
    )
    assert row.completed_at is not None


def test_a_position_outside_the_video_is_refused(member, video):
    with pytest.raises(Invalid):
        services.progress_report(acting_user=member, video_id=video.pk, position=video.duration + 60)


def test_the_dashboard_shows_who_completed_and_who_is_missing(member, colleague, manager, video, client_as):
    _watch(member, video, [0, 1, video.duration])
    _watch(colleague, video, [0, video.duration], every=0.1)
    rows, done = selectors.completion(video)
    assert done == 1 and len(rows) == 3
    page = client_as("manager").get(f"/videos/{video.pk}/completion/")
    assert b"<span data-completed>1</span> of <span data-total>3</span>" in page.content and b"Missing" in page.content
    api = client_as("manager").get(f"/api/v1/videos/{video.pk}/completion/").json()
    assert (api["completed"], api["total"]) == (1, 3)
    assert {p["name"]: p["completed_at"] is not None for p in api["people"]}["Mia Member"] is True


def test_only_managers_require_and_members_see_what_they_must_watch(member, manager, video):
    with pytest.raises(Forbidden):
        services.required_set(acting_user=member, video_id=video.pk, due_on=date.today() + timedelta(days=3))
    services.required_set(acting_user=manager, video_id=video.pk, due_on=date.today() + timedelta(days=3))
    assert [r.video_id for r in selectors.my_required(member)] == [video.pk]
    _watch(member, video, [0, 1, video.duration])
    assert not selectors.my_required(member).exists()


def test_reminders_go_before_the_due_date_to_those_who_have_not_completed(
    member, colleague, manager, video, mailoutbox, run_worker
):
    services.required_set(acting_user=manager, video_id=video.pk, due_on=timezone.localdate() + timedelta(days=1))
    _watch(member, video, [0, 1, video.duration])
    assert services.send_required_reminders() == 2  # the colleague and the manager; the member is done
    assert services.send_required_reminders() == 0  # once
    from apps.notifications.models import Notification

    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {
        "colleague@example.com", "manager@example.com",
    }  # fmt: skip
    assert WatchProgress.objects.get(user=member).completed_at is not None


def test_reports_are_timed_by_their_arrival_not_by_when_a_busy_server_served_them(member, video):
    """The first report waited seconds for a busy server: the watching since it was sent still counts."""
    view = VideoViewSet.as_view({"post": "progress"})

    def report(position: float, arrived: float) -> dict:
        request = APIRequestFactory().post(
            f"/api/v1/videos/{video.pk}/progress/", {"position": position}, format="json"
        )
        request.arrived_at = arrived  # as intranet/handler.py stamps it
        force_authenticate(request, member)
        return view(request, pk=str(video.pk)).data

    now = time.time()
    first = report(0.0, now - video.duration - 3)  # sent as play began, served 3 s later (now)
    assert first["completed"] is False
    assert report(video.duration, now)["completed"] is True  # served a moment after the first
