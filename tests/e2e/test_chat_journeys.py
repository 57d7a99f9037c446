"""Chat as people expect it (issue 12, points 4 and 9), in headless Chromium on a live daphne.

Two plain members side by side, Mia and Noah: neither is a manager. And the same member
on a 390×844 phone: every main page without horizontal scrolling, the navigation behind a
Menu button, the room list and a room as separate screens with the composer in view.
"""

import io
import re
from contextlib import contextmanager

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.chat import services as chat
from apps.chat.models import Message, Room, RoomSetting
from apps.departments.services import company_wide_department, department_create, membership_set
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]


@pytest.fixture
def sales(live_site):
    department = department_create(acting_user=None, name="Sales", description="We sell.")
    company_wide_department()
    for email, name in [("mia@example.com", "Mia Member"), ("noah@example.com", "Noah Newman")]:
        person = user_create(acting_user=None, email=email, display_name=name, password=PASSWORD)
        membership_set(acting_user=None, department=department, user=person, role="member")
    return Room.objects.get(department=department)


def signed_in(new_page, email: str, path: str) -> Page:
    page = new_page()
    page.goto(f"/accounts/login/?next={path}")
    log_in(page, email)
    expect(page.locator("[data-connection-state]").first).to_have_text("Live")
    return page


def message(page: Page, text: str):
    return page.locator("[data-messages] > li.chat-message[data-message-id]").filter(
        has_text=text
    )  # stored, not pending


def test_two_members_react_reply_in_a_thread_and_pin(sales, new_page):
    mia = signed_in(new_page, "mia@example.com", f"/chat/{sales.pk}/")
    noah = signed_in(new_page, "noah@example.com", f"/chat/{sales.pk}/")
    mia.get_by_label("Message Sales").fill("Who has the Q3 deck?")
    mia.keyboard.press("Enter")
    question = message(noah, "Who has the Q3 deck?")
    expect(question).to_be_visible()

    # Noah reacts from the message's React button; Mia sees it and adds hers with one click.
    question.hover()
    question.get_by_role("button", name="Add a reaction").click()
    question.get_by_role("button", name="Thumbs up").click()
    chip = message(mia, "Who has the Q3 deck?").locator("[data-reaction=thumbs_up]")
    expect(chip).to_have_text("👍 1")
    expect(chip).to_have_attribute("aria-pressed", "false")
    expect(chip).to_have_attribute("aria-label", re.compile("Thumbs up: 1 \\(Noah Newman\\)"))
    chip.click()
    expect(message(noah, "Who has the Q3 deck?").locator("[data-reaction=thumbs_up]")).to_have_text("👍 2")
    expect(message(mia, "Who has the Q3 deck?").locator("[data-reaction=thumbs_up]")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Noah answers in a thread: the room shows "1 reply", the reply stays out of the room.
    question.hover()
    question.get_by_role("button", name="Reply").click()
    thread = noah.locator("[data-thread]")
    expect(thread).to_be_visible()
    expect(thread.locator(".chat-thread-parent")).to_contain_text("Who has the Q3 deck?")
    thread.get_by_label("Reply in thread").fill("I do, sending it now")
    thread.get_by_label("Reply in thread").press("Enter")
    expect(thread).to_contain_text("I do, sending it now")
    replies = message(mia, "Who has the Q3 deck?").get_by_role("button", name="1 reply")
    expect(replies).to_be_visible()
    expect(message(mia, "I do, sending it now")).to_have_count(0)
    replies.click()
    expect(mia.locator("[data-thread]")).to_contain_text("I do, sending it now")
    mia.locator("[data-thread]").get_by_role("button", name="Close").click()
    expect(mia.locator("[data-thread]")).to_be_hidden()

    # Mia pins the question; Noah finds it under Pinned.
    mine = message(mia, "Who has the Q3 deck?")
    mine.hover()
    mine.get_by_role("button", name="Pin", exact=True).click()
    expect(message(noah, "Who has the Q3 deck?")).to_have_class(re.compile("pinned"))
    noah.get_by_role("button", name="Pinned").click()
    pins = noah.locator("[data-pins]")
    expect(pins.locator("li.chat-message")).to_have_count(1)
    expect(pins).to_contain_text("Who has the Q3 deck?")
    stored = Message.objects.get(body="Who has the Q3 deck?")
    assert stored.pinned_at is not None and stored.reply_count == 1 and len(stored.reactions["thumbs_up"]) == 2


def unread_for_mia(room, count: int, text: str) -> tuple[User, User]:
    """Noah's message that Mia has read, then `count` she has not: (noah, mia)."""
    noah = User.objects.get(email="noah@example.com")
    mia = User.objects.get(email="mia@example.com")
    seen, _ = chat.message_send(acting_user=noah, room_id=room.pk, body="Seen already")
    chat.room_mark_read(acting_user=mia, room_id=room.pk, message_id=seen.pk)
    for i in range(count):
        chat.message_send(acting_user=noah, room_id=room.pk, body=f"{text} {i}", check_rate_limit=False)
    return noah, mia


def test_unread_in_the_nav_and_title_the_new_messages_line_and_up_to_edit(sales, new_page):
    noah, mia = unread_for_mia(sales, 3, "Unread news")

    page = signed_in(new_page, "mia@example.com", "/people/")
    badge = page.locator("#chat-badge")
    expect(badge).to_have_text("3")
    expect(page).to_have_title(re.compile(r"^\(3\) "))
    page.get_by_role("link", name=re.compile("^Chat")).click()
    divider = page.locator(".chat-divider")
    expect(divider).to_have_text("New messages")
    assert divider.evaluate("d => d.nextElementSibling.textContent").find("Unread news 0") >= 0
    expect(badge).to_be_hidden()  # she is reading them
    expect(page).not_to_have_title(re.compile(r"^\("))

    # Up in the empty composer edits her last message.
    box = page.get_by_label("Message Sales")
    box.fill("Meeting at 10")
    box.press("Enter")
    expect(message(page, "Meeting at 10")).to_be_visible()
    box.press("ArrowUp")
    editor = page.get_by_label("Edit message")
    expect(editor).to_have_value("Meeting at 10")
    editor.fill("Meeting at 11")
    page.get_by_role("button", name="Save").click()
    expect(message(page, "Meeting at 11")).to_contain_text("(edited)")

    # Muting the room: the sidebar says so, and it no longer counts in the badge.
    page.get_by_label("Notifications for this room").select_option("nothing")
    expect(page.locator(f'.chat-room-item[data-room-id="{sales.pk}"] [data-muted-mark]')).to_be_visible()
    chat.message_send(acting_user=noah, room_id=sales.pk, body="While muted")
    assert RoomSetting.objects.get(user=mia, room=sales).level == "nothing"
    page.goto("/people/")
    expect(page.locator("#chat-badge")).to_be_hidden()


def test_a_member_sends_an_image_and_a_file_and_the_other_sees_a_preview(sales, new_page):
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "orange").save(buffer, "PNG")
    mia = signed_in(new_page, "mia@example.com", f"/chat/{sales.pk}/")
    noah = signed_in(new_page, "noah@example.com", f"/chat/{sales.pk}/")
    mia.get_by_label("Attach files").set_input_files(
        [
            {"name": "chart.png", "mimeType": "image/png", "buffer": buffer.getvalue()},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Plain notes"},
        ]
    )
    expect(mia.locator("[data-attached]")).to_contain_text("chart.png, notes.txt")
    mia.get_by_label("Message Sales").fill("The chart")
    mia.get_by_role("button", name="Send").click()
    sent = message(noah, "The chart")
    image = sent.get_by_role("img", name="chart.png")
    expect(image).to_be_visible()
    noah.wait_for_function("img => img.complete && img.naturalWidth === 120", arg=image.element_handle())
    expect(sent.get_by_role("link", name=re.compile("notes.txt"))).to_be_visible()
    # A file that is not what its name says is refused, with the reason, and nothing is sent.
    mia.get_by_label("Attach files").set_input_files(
        {"name": "evil.png", "mimeType": "image/png", "buffer": b"<script>alert(1)</script>"}
    )
    mia.get_by_role("button", name="Send").click()
    expect(mia.locator("[data-composer-error]")).to_contain_text("not an accepted file type")
    assert Message.objects.filter(files__isnull=False).distinct().count() == 1


def test_ctrl_k_jumps_to_a_room_or_a_colleague(sales, new_page):
    page = signed_in(new_page, "mia@example.com", "/people/")
    page.keyboard.press("Control+k")
    box = page.get_by_role("combobox", name="Room or person")
    expect(box).to_be_focused()
    box.fill("sal")
    expect(page.get_by_role("option", name=re.compile("#Sales"))).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(f"/chat/{sales.pk}/$"))
    page.keyboard.press("Control+k")
    box.fill("noah")
    expect(page.get_by_role("option", name=re.compile("Noah Newman"))).to_be_visible()
    box.press("Enter")
    expect(page.get_by_role("heading", name="Noah Newman")).to_be_visible()
    assert Room.objects.filter(kind="direct").count() == 1


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


# Does the room's title text run under the Rooms button? (The title's box shrank below its text.)
TITLE_UNDER_ROOMS_BUTTON = """() => {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById("chat-room-title"));
    const text = range.getBoundingClientRect(), rooms = document.querySelector("[data-show-rooms]").getBoundingClientRect();
    return text.right > rooms.left && text.left < rooms.right && text.bottom > rooms.top && text.top < rooms.bottom;
}"""


@contextmanager
def mia_on_a_phone(browser, live_site, path: str):
    """Mia signed in on a 390x844 touch screen, at `path`."""
    from tests.browser import ACTION_TIMEOUT_MS

    context = browser.new_context(base_url=live_site.url, **PHONE)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"/accounts/login/?next={path}")
        log_in(page, "mia@example.com")
        yield page
    finally:
        context.close()


def test_on_a_phone_every_page_fits_and_chat_is_two_screens_with_the_composer_in_view(sales, browser, live_site):
    with mia_on_a_phone(browser, live_site, f"/chat/{sales.pk}/") as page:
        expect(page.locator("[data-connection-state]").first).to_have_text("Live")
        noah = User.objects.get(email="noah@example.com")
        for i in range(30):
            chat.message_send(acting_user=noah, room_id=sales.pk, body=f"line {i}", check_rate_limit=False)
        expect(message(page, "line 29")).to_be_visible()

        # The room fills the screen: no room list beside it, the composer on screen.
        expect(page.locator(".chat-sidebar")).to_be_hidden()
        assert not page.evaluate(TITLE_UNDER_ROOMS_BUTTON)
        composer = page.get_by_label("Message Sales")
        expect(composer).to_be_in_viewport()
        composer.focus()
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
        controls = ".chat-pane button:visible, .chat-pane a:not(.prose a):visible, .chat-pane select:visible"
        for control in page.locator(controls).all():  # links inside a sentence are exempt (WCAG 2.5.8)
            box = control.bounding_box()
            assert box and box["height"] >= 24, (control.evaluate("e => e.outerHTML.slice(0, 80)"), box)
        # The room list is the other screen.
        page.get_by_role("link", name="Rooms").click()
        expect(page.locator(".chat-sidebar")).to_be_visible()
        page.get_by_role("navigation", name="Chat rooms").get_by_role("link", name=re.compile("Sales")).click()
        expect(composer).to_be_in_viewport()

        # The top bar is one row with a Menu button; the navigation opens from it.
        topbar = page.locator(".topbar")
        assert topbar.bounding_box()["height"] < 70
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        page.get_by_role("button", name=re.compile("^Menu")).click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
        expect(page).to_have_url(re.compile("/people/$"))

        for path in ["/", "/departments/", "/departments/sales/", "/feed/d/sales/", "/people/", "/people/org-chart/",
                     f"/chat/{sales.pk}/", "/chat/?rooms=1", "/chat/direct/", "/ideas/", "/ideas/sales/",
                     "/notifications/", "/notifications/settings/", "/questions/"]:  # fmt: skip
            page.goto(path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)


def test_on_a_phone_the_jump_to_first_unread_button_is_a_small_pill_above_the_messages(sales, browser, live_site):
    """It used to stretch from under the header to above the composer, hiding the messages."""
    unread_for_mia(sales, 40, "Unread line")
    with mia_on_a_phone(browser, live_site, f"/chat/{sales.pk}/") as page:
        button = page.get_by_role("button", name="Jump to first unread")
        expect(button).to_be_visible()
        box, pane = button.bounding_box(), page.locator("[data-chat-scroll]").bounding_box()
        assert box["height"] < 60 and box["width"] < pane["width"], box
        assert box["y"] < pane["y"] + pane["height"] / 2, (box, pane)  # near the top, not over the whole list
        button.click()
        expect(page.locator(".chat-divider")).to_be_in_viewport()
        expect(button).to_be_hidden()


def test_the_composer_is_two_tab_presses_away(sales, new_page):
    """Keyboard users reach the message box without tabbing through the navigation and the room list."""
    page = signed_in(new_page, "mia@example.com", f"/chat/{sales.pk}/")
    page.locator("body").focus()
    page.keyboard.press("Tab")  # Skip to content
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the message box")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#chat-body")).to_be_focused()
    page.keyboard.type("Hello")
    expect(page.locator("#chat-body")).to_have_value("Hello")
