"""A member uploads a video in headless Chromium against a live daphne, the worker processes it,
and she plays it with captions, seeks, and completes it."""

import pytest
from playwright.sync_api import expect

from apps.accounts.services import user_create
from apps.departments.services import department_create, membership_set
from apps.videos import services
from apps.videos.models import Video, WatchProgress
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]


@pytest.fixture
def sales(live_site):
    sales = department_create(acting_user=None, name="Sales")
    mia = user_create(acting_user=None, email="mia@example.com", display_name="Mia Member", password=PASSWORD)
    membership_set(acting_user=None, department=sales, user=mia)
    return sales, mia


def test_upload_process_play_seek_captions_and_complete(sales, new_page, clips, run_worker, settings):
    settings.VIDEO_FFMPEG_PRESET = "ultrafast"
    _, mia = sales
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/accounts/login/?next=/videos/d/sales/upload/")
    log_in(page, "mia@example.com")
    page.get_by_label("Video file").set_input_files(str(clips["good"]))
    page.get_by_label("Title").fill("Closing a call")
    page.get_by_label("Description").fill("00:01 The offer")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("[data-upload-status]")).to_be_visible()  # the progress bar
    page.wait_for_url("**/videos/*/")
    expect(page.get_by_label("Processing")).to_be_visible()
    video = Video.objects.get()
    assert video.status == Video.Status.PROCESSING and video.uploader == mia

    run_worker()  # the worker transcodes; the page is told over /ws/ and reloads
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    services.caption_save(acting_user=mia, video_id=video.pk, language="en", label="English",
                          data=b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nWelcome to the call.\n")  # fmt: skip
    page.goto(f"/videos/{video.pk}/")
    player = page.locator("video")
    expect(player).to_be_visible()
    expect(page.locator("[data-transcript]").get_by_text("Welcome to the call.")).to_be_visible()  # the transcript
    assert page.evaluate("document.querySelector('video').textTracks.length") == 1
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3")
    page.wait_for_function("() => document.querySelector('video').ended", timeout=15000)
    expect(page.locator("[data-watch-state]")).to_have_text("Completed", timeout=10000)
    assert WatchProgress.objects.get(user=mia, video=video).completed_at is not None
    page.get_by_role("button", name="00:01").click()  # a chapter seeks
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 1) < 0.3")
    assert not errors, errors
