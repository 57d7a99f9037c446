"""Chat in a real browser: two people, two browser contexts (headless Chromium), one live daphne."""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from apps.accounts.services import user_create
from apps.chat.models import Room
from apps.departments.services import company_wide_department, department_create, membership_set
from tests.browser import log_in

pytestmark = [pytest.mark.browser]

PASSWORD = "correct horse battery staple"
SCREENSHOT = "/tmp/e2e-chat.png"


@pytest.fixture
def team(live_site) -> SimpleNamespace:
    sales = department_create(acting_user=None, name="Sales", description="We sell.")
    bob = user_create(acting_user=None, email="bob@example.com", display_name="Bob Baker", password=PASSWORD)
    carol = user_create(acting_user=None, email="carol@example.com", display_name="Carol Cruz", password=PASSWORD)
    for user in (bob, carol):
        membership_set(acting_user=None, department=sales, user=user)
    return SimpleNamespace(
        bob=bob,
        carol=carol,
        sales=Room.objects.get(department=sales),
        all_staff=Room.objects.get(department=company_wide_department()),
    )


def open_chat(page: Page, email: str, room: Room) -> list[str]:
    """Log in, open the room and wait for the live connection; returns the CSP errors seen."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or re.search(r"Content Security Policy|Refused to", message.text):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"/accounts/login/?next=/chat/{room.pk}/")
    log_in(page, email, PASSWORD)
    expect(page.get_by_role("heading", level=2, name="#Sales")).to_be_visible()
    expect(page.locator(".chat [data-connection-state]")).to_have_text("Live")
    return problems


def test_a_message_typed_by_one_user_appears_live_for_the_other(new_page, team):
    bob, carol = new_page(), new_page()
    bob_problems = open_chat(bob, "bob@example.com", team.sales)
    carol_problems = open_chat(carol, "carol@example.com", team.sales)
    expect(bob.locator("[data-presence-summary]")).to_contain_text("Carol Cruz")  # presence, live

    composer = bob.get_by_label("Message Sales")
    composer.press_sequentially("The **Acme** deal is signed, ")
    expect(carol.locator("[data-typing]")).to_have_text("Bob Baker is typing…")
    expect(composer).to_have_attribute("aria-autocomplete", "list")  # its script is attached
    composer.press_sequentially("@car")  # mention autocomplete
    suggestion = bob.get_by_role("option", name=re.compile("Carol Cruz"))
    expect(suggestion).to_be_visible()
    composer.press("Enter")
    expect(composer).to_have_value("The **Acme** deal is signed, @**Carol Cruz** ")
    composer.press_sequentially("thank you!")
    composer.press("Enter")
    expect(composer).to_have_value("")

    message = carol.locator(".chat-message").last
    expect(message.locator(".chat-author")).to_have_text("Bob Baker")
    expect(message.locator(".chat-message-body strong")).to_have_text("Acme")
    expect(message.locator(".mention.me")).to_have_text("@Carol Cruz")
    expect(message.get_by_role("link", name="@Carol Cruz")).to_have_attribute("href", f"/people/{team.carol.pk}/")
    expect(carol.locator("[data-typing]")).to_have_text("")
    expect(carol.locator("#notification-badge")).to_have_text("1")  # the mention notified her, live
    expect(bob.locator(".chat-message").last).not_to_have_class(re.compile("pending"))

    # Carol answers; Bob edits his message, then deletes it: both show up for the other, live.
    carol.get_by_label("Message Sales").fill("Great news!")
    carol.get_by_label("Message Sales").press("Enter")
    expect(bob.locator(".chat-message").last).to_contain_text("Great news!")
    mine = bob.locator(".chat-message.mine").last
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    editor = mine.get_by_label("Edit message")
    editor.fill("The **Acme** deal is signed and countersigned.")
    mine.get_by_role("button", name="Save").click()
    edited = carol.locator(".chat-message").filter(has_text="countersigned")
    expect(edited.locator(".chat-edited")).to_have_text("(edited)")
    bob.once("dialog", lambda dialog: dialog.accept())
    bob.locator(".chat-message.mine").last.hover()
    bob.locator(".chat-message.mine").last.get_by_role("button", name="Delete").click()
    expect(carol.locator(".chat-message").filter(has_text="countersigned")).to_have_count(0)

    # A message in another room shows as unread in Carol's room list.
    all_staff = bob.context.new_page()
    all_staff.goto(f"/chat/{team.all_staff.pk}/")
    all_staff.get_by_label("Message All staff").fill("Lunch at noon?")
    all_staff.get_by_label("Message All staff").press("Enter")
    badge = carol.locator(f'.chat-room-item[data-room-id="{team.all_staff.pk}"] [data-unread-badge]')
    expect(badge).to_have_text("1")
    carol.screenshot(path=SCREENSHOT, full_page=True)
    carol.locator(f'.chat-room-item[data-room-id="{team.all_staff.pk}"] a').click()
    expect(carol.locator(".chat-message").last).to_contain_text("Lunch at noon?")
    expect(carol.locator(f'.chat-room-item[data-room-id="{team.all_staff.pk}"] [data-unread-badge]')).to_be_hidden()

    assert not bob_problems and not carol_problems, bob_problems + carol_problems


def test_history_scrolls_upward_and_a_reload_shows_nothing_twice(new_page, team):
    from apps.chat.services import message_send

    for i in range(120):
        message_send(acting_user=team.bob, room_id=team.sales.pk, body=f"history {i}")
    carol = new_page()
    open_chat(carol, "carol@example.com", team.sales)
    messages = carol.locator(".chat-message")
    expect(messages).to_have_count(50)
    expect(messages.last).to_have_text(re.compile("history 119"))
    carol.locator("[data-chat-scroll]").evaluate("element => { element.scrollTop = 0; }")
    expect(messages).to_have_count(100)
    carol.locator("[data-chat-scroll]").evaluate("element => { element.scrollTop = 0; }")
    expect(messages).to_have_count(120)
    expect(carol.locator("[data-history-state]")).to_have_text("This is the start of the conversation.")
    expect(messages.first).to_have_text(re.compile("history 0"))
    ids = messages.evaluate_all("items => items.map(item => item.dataset.messageId)")
    assert len(ids) == len(set(ids)) == 120


def test_on_a_phone_a_tapped_suggestion_mentions_the_person(browser, live_site, new_page, team):
    phone = browser.new_context(
        base_url=live_site.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        bob = phone.new_page()
        bob_problems = open_chat(bob, "bob@example.com", team.sales)
        carol = new_page()
        open_chat(carol, "carol@example.com", team.sales)

        composer = bob.get_by_label("Message Sales")
        composer.tap()
        expect(composer).to_have_attribute("aria-autocomplete", "list")  # its script is attached
        composer.press_sequentially("@cru")  # the start of her last name
        bob.get_by_role("option", name=re.compile("Carol Cruz")).tap()
        expect(composer).to_have_value("@**Carol Cruz** ")
        expect(composer).to_be_focused()
        composer.press_sequentially("are you in?")
        bob.screenshot(path="/tmp/e2e-chat-phone.png")
        bob.get_by_role("button", name="Send").tap()

        message = carol.locator(".chat-message").last
        expect(message.get_by_role("link", name="@Carol Cruz")).to_have_attribute("href", f"/people/{team.carol.pk}/")
        expect(message.locator(".mention.me")).to_be_visible()
        expect(carol.locator("#notification-badge")).to_have_text("1")
        assert not bob_problems, bob_problems
    finally:
        phone.close()


def test_losing_the_network_shows_offline_and_coming_back_shows_live(new_page, team):
    """The connection state follows the network (socket.js: the offline event, then a heartbeat)."""
    page = new_page()
    problems = open_chat(page, "bob@example.com", team.sales)
    state = page.locator(".chat [data-connection-state]")
    page.context.set_offline(True)
    expect(state).to_contain_text("Offline", timeout=5000)
    page.context.set_offline(False)
    expect(state).to_have_text("Live", timeout=15000)
    assert problems == []
