"""Every main page, as a plain member sees it (and the few a manager sees): no console error, no failed request, and no
accessibility violation found by axe-core (in light and in dark mode).

axe-core comes from npm (tests/js, installed by `make node-tools`) and is evaluated in
the page through the DevTools protocol, so the page's own strict CSP stays in force.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.services import user_create
from apps.chat import services as chat_services
from apps.chat.models import Room
from apps.departments.services import company_wide_department, department_create, membership_set
from apps.feed import services as feed_services
from apps.voting import services as voting_services
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def world(live_site, clips, processed, settings):
    settings.VIDEO_FFMPEG_PRESET = "ultrafast"
    sales = department_create(acting_user=None, name="Sales", description="We sell.", mission="Win **fairly**.")
    company_wide_department()
    mia = user_create(acting_user=None, email="mia@example.com", display_name="Mia Member", password=PASSWORD)
    max_ = user_create(acting_user=None, email="max@example.com", display_name="Max Manager", password=PASSWORD)
    membership_set(acting_user=None, department=sales, user=mia)
    membership_set(acting_user=None, department=sales, user=max_, role="manager")
    post = feed_services.post_create(acting_user=max_, department=sales, body="Hello **team**, see https://example.com")
    feed_services.comment_create(acting_user=mia, post=post, body="Thanks!")
    own = feed_services.post_create(acting_user=mia, department=sales, body="My own post: I may delete it")
    feed_services.post_create(
        acting_user=max_, department=sales, kind="announcement", body="Office closed on Friday", requires_ack=True,
        ack_due_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    idea = voting_services.idea_create(acting_user=mia, department=sales, title="Dark mode for the CRM")
    voting_services.poll_create(
        acting_user=max_, department=sales, question="Lunch?", kind="single", options=["A", "B"]
    )
    room = Room.objects.get(department=sales)
    chat_services.message_send(acting_user=max_, room_id=room.pk, body="Morning @**Mia Member**")
    group = chat_services.group_room_create(acting_user=mia, name="Pricing", member_ids=[max_.pk])
    direct, _ = chat_services.direct_room(acting_user=mia, other_id=max_.pk)
    from apps.plans import services as plans

    goal = plans.goal_create(acting_user=max_, department=sales, data={
        "title": "Answer within a day", "description": "Questions answered in a day.", "unit": "%", "baseline": 50,
        "target": 90, "owner": mia.pk, "serves_mission": True, "starts_on": timezone.localdate() - timedelta(days=20),
        "due_on": timezone.localdate() + timedelta(days=40),
    })  # fmt: skip
    plans.check_in_record(acting_user=mia, goal=goal, value="60", on=timezone.localdate() - timedelta(days=5))
    plans.routine_create(acting_user=max_, department=sales, title="Weekly tips", owner_id=mia.pk, cadence="weekly")
    plans.slot_create(acting_user=max_, department=sales, on=timezone.localdate(), channel="video", theme="Demo",
                      owner_id=mia.pk)  # fmt: skip
    review = plans.review_create(acting_user=max_, department=sales, worked="Check-ins", changes="More video")
    # Videos: processed for real (the session's copy), one announced (its card in the feed, comments
    # on its page), both in a playlist; the first is required viewing.
    from apps.videos import services as videos
    from tests.videos.conftest import ready_video

    video = ready_video(max_, sales, clips, processed, title="Closing a call", description="00:01 The offer")
    videos.caption_save(acting_user=max_, video_id=video.pk, language="en", label="English",
                        data=b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nWelcome to the call.\n")  # fmt: skip
    announcement = videos.video_announce(acting_user=max_, video_id=video.pk)
    feed_services.comment_create(acting_user=mia, post=announcement, body="Useful, thanks")
    second = ready_video(max_, sales, clips, processed, title="Taking a complaint")
    playlist = videos.playlist_create(acting_user=max_, department_ref="sales", title="Onboarding")
    for each in (video, second):
        videos.playlist_add(acting_user=max_, playlist_id=playlist.pk, video_id=each.pk)
    videos.required_set(acting_user=max_, video_id=video.pk, due_on=timezone.localdate() + timedelta(days=7))
    return {
        "pages": [
            "/",
            "/feed/d/sales/",
            f"/feed/posts/{post.pk}/",
            f"/feed/posts/{own.pk}/",
            "/departments/",
            "/departments/sales/",
            "/people/",
            f"/people/{max_.pk}/",
            "/people/me/edit/",
            "/people/org-chart/",
            f"/chat/{room.pk}/",
            f"/chat/{group.pk}/",
            f"/chat/{direct.pk}/",
            "/ideas/",
            "/ideas/sales/",
            f"/ideas/sales/{idea.pk}/",
            "/ideas/sales/polls/",
            "/notifications/",
            "/notifications/settings/",
            "/accounts/two-factor/",
            "/plans/",
            "/plans/d/sales/",
            f"/plans/goals/{goal.pk}/",
            "/plans/d/sales/content/",
            "/plans/d/sales/history/",
            f"/plans/reviews/{review.pk}/",
            "/plans/calendar/",
            "/videos/",
            "/videos/d/sales/",
            f"/videos/{video.pk}/",
            f"/videos/d/sales/?playlist={playlist.pk}",
        ],
        # What only a manager sees: the dashboard, the playlist's reorder controls, the manage form.
        "manager_pages": [
            f"/videos/{video.pk}/completion/",
            f"/videos/d/sales/?playlist={playlist.pk}",
            f"/videos/{video.pk}/",
        ],
    }


def _problems(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type in {"error", "warning"} else None)  # fmt: skip
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # A request cut short by leaving the page (ERR_ABORTED) is not a failure of the page.
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url} {request.failure}")
            if "ERR_ABORTED" not in (request.failure or "") else None)  # fmt: skip
    return problems


def _axe_violations(page: Page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]


# The walk is split by area so that the workers share it; each page is checked in both schemes
# (the system theme follows prefers-color-scheme live, so one visit serves both).
AREAS = {
    "feed-departments-people": ("/", "/feed/", "/departments/", "/people/"),
    "chat-ideas-notifications-account": ("/chat/", "/ideas/", "/notifications/", "/accounts/"),
    "plans": ("/plans/",),
    "videos": ("/videos/",),
}


def _in_area(path: str, area: str) -> bool:
    return any(path == prefix if prefix == "/" else path.startswith(prefix) for prefix in AREAS[area])


@pytest.mark.parametrize("area", list(AREAS))
def test_every_main_page_is_clean_for_a_member(world, new_page, area):
    everywhere = world["pages"] + world["manager_pages"]
    assert [path for path in everywhere if sum(_in_area(path, each) for each in AREAS) != 1] == []  # one area each
    found = {}
    for email, pages in (("mia@example.com", world["pages"]), ("max@example.com", world["manager_pages"])):
        pages = [path for path in pages if _in_area(path, area)]
        if not pages:
            continue
        page = new_page()
        problems = _problems(page)
        page.goto("/accounts/login/")
        log_in(page, email)
        for path in pages:
            page.emulate_media(color_scheme="light")
            page.goto(path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)  # let live frames (presence, unread counts) arrive and render
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                assert page.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
                issues = [*problems, *_axe_violations(page)]
                problems.clear()
                if issues:
                    found[f"{path} ({email}, {scheme})"] = issues
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(issues) for path, issues in found.items())


def test_the_theme_toggle_overrides_the_system_and_is_remembered(world, new_page):
    page = new_page()
    page.emulate_media(color_scheme="light")
    page.goto("/accounts/login/")
    log_in(page, "mia@example.com")
    toggle = page.get_by_role("button", name="Theme: system")
    background = "() => getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    toggle.click()  # light
    page.get_by_role("button", name="Theme: light").click()  # dark
    expect(page.get_by_role("button", name="Theme: dark")).to_be_visible()
    dark = page.evaluate(background)
    assert dark != light
    page.goto("/people/")
    assert page.evaluate(background) == dark  # remembered across pages, applied before paint
    assert _axe_violations(page) == []
