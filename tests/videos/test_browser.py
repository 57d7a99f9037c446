"""A member uploads a video in headless Chromium against a live daphne, the worker processes it,
and she plays it with captions, seeks, and completes it while her manager's dashboard counts it
live; a manager orders a playlist on a phone, by touch and by keyboard."""

import pytest
from playwright.sync_api import expect

from apps.accounts.services import user_create
from apps.departments.services import department_create, membership_set
from apps.videos import services
from apps.videos.models import Video, WatchProgress
from tests.browser import log_in
from tests.factories import PASSWORD
from tests.videos.conftest import ready_video

pytestmark = [pytest.mark.browser]


@pytest.fixture
def sales(live_site):
    sales = department_create(acting_user=None, name="Sales")
    mia = user_create(acting_user=None, email="mia@example.com", display_name="Mia Member", password=PASSWORD)
    membership_set(acting_user=None, department=sales, user=mia)
    max_ = user_create(acting_user=None, email="max@example.com", display_name="Max Manager", password=PASSWORD)
    membership_set(acting_user=None, department=sales, user=max_, role="manager")
    return sales, mia


PAUSE_NEAR_THE_END_AND_GO_ON = """() => new Promise((resolve) => {
  const v = document.querySelector("video");
  v.addEventListener("ended", resolve);
  const watch = () => {
    if (v.ended) return;
    if (v.currentTime < v.duration - 0.45) return requestAnimationFrame(watch);
    v.pause();
    setTimeout(() => v.play().then(resolve, resolve), 300);
  };
  watch();
})"""


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
    # The page's own reload first: a `goto` while it runs is "interrupted by another navigation".
    expect(page.locator("video")).to_be_visible(timeout=15000)
    services.caption_save(acting_user=mia, video_id=video.pk, language="en", label="English",
                          data=b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nWelcome to the call.\n")  # fmt: skip
    page.goto(f"/videos/{video.pk}/")
    dashboard = new_page()  # the manager watches the dashboard while Mia watches the video
    dashboard.goto(f"/accounts/login/?next=/videos/{video.pk}/completion/")
    log_in(dashboard, "max@example.com")
    expect(dashboard.locator("[data-completion-summary]")).to_have_text("0 of 2 completed.")
    player = page.locator("video")
    expect(player).to_be_visible()
    expect(page.locator("[data-transcript]").get_by_text("Welcome to the call.")).to_be_visible()  # the transcript
    assert page.evaluate("document.querySelector('video').textTracks.length") == 1
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3")
    # A pause just before the end (a report within half a second of it) must not swallow the end's own report.
    page.evaluate(PAUSE_NEAR_THE_END_AND_GO_ON)
    page.wait_for_function("() => document.querySelector('video').ended", timeout=15000)
    expect(page.locator("[data-watch-state]")).to_have_text("Completed", timeout=10000)
    assert WatchProgress.objects.get(user=mia, video=video).completed_at is not None
    expect(dashboard.locator("[data-completion-summary]")).to_have_text("1 of 2 completed.")  # over /ws/
    expect(dashboard.get_by_role("row", name="Mia Member")).not_to_contain_text("Missing")
    page.get_by_role("button", name="00:01").click()  # a chapter seeks
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 1) < 0.3")
    assert not errors, errors


def test_a_manager_orders_a_playlist_on_a_phone_by_dragging_and_by_keyboard(sales, browser, live_site, clips,
                                                                             processed):  # fmt: skip
    department, mia = sales
    max_ = department.memberships.get(role="manager").user
    titles = ["First steps", "Second call", "Third visit"]
    made = [ready_video(mia, department, clips, processed, title=title) for title in titles]
    playlist = services.playlist_create(acting_user=max_, department_ref="sales", title="Onboarding")
    for video in made:
        services.playlist_add(acting_user=max_, playlist_id=playlist.pk, video_id=video.pk)
    phone = browser.new_context(base_url=live_site.url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)  # fmt: skip
    try:
        page = phone.new_page()
        page.goto(f"/accounts/login/?next=/videos/d/sales/%3Fplaylist%3D{playlist.pk}")
        log_in(page, "max@example.com")
        cards = page.locator("[data-playlist-order] > li")
        expect(cards).to_have_count(3)

        def order() -> list[str]:
            return list(playlist.entries.order_by("position").values_list("video__title", flat=True))

        # A finger drags the second video up onto the first (touch events, as a phone sends them).
        handle = cards.nth(1).locator("[data-drag-handle]")
        handle.scroll_into_view_if_needed()
        start, target = handle.bounding_box(), cards.first.bounding_box()
        x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
        x1, y1 = target["x"] + target["width"] / 2, max(target["y"] + 10, target["y"] + target["height"] - 30)
        touch = phone.new_cdp_session(page)
        with page.expect_response(lambda r: r.url.endswith(f"/video-playlists/{playlist.pk}/videos/")) as saved:
            touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
            for step in range(1, 11):
                x, y = x0 + (x1 - x0) * step / 10, y0 + (y1 - y0) * step / 10
                touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
            touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        assert saved.value.ok
        assert order() == ["Second call", "First steps", "Third visit"]
        expect(cards.first).to_contain_text("Second call")

        # The keyboard way: focus a Move down button, press Enter; the focus stays on the moved video.
        down = page.get_by_role("button", name="Move “Second call” down")
        down.focus()
        with page.expect_response(lambda r: r.url.endswith(f"/video-playlists/{playlist.pk}/videos/")):
            page.keyboard.press("Enter")
        assert order() == ["First steps", "Second call", "Third visit"]
        expect(page.locator("#live-announcer")).to_have_text("Moved “Second call” to position 2 of 3.")
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move “Second call” down"
        page.get_by_role("button", name="Move “Third visit” up").focus()
        with page.expect_response(lambda r: r.url.endswith(f"/video-playlists/{playlist.pk}/videos/")):
            page.keyboard.press("Enter")
        assert order() == ["First steps", "Third visit", "Second call"]
        page.reload()  # the saved order is the page's order
        expect(cards.nth(1)).to_contain_text("Third visit")
        expect(page.get_by_role("button", name="Move “First steps” up")).to_be_disabled()
        expect(page.get_by_role("button", name="Move “Second call” down")).to_be_disabled()
    finally:
        phone.close()
