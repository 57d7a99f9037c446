"""Search as people use it, in headless Chromium against a live daphne: from the header to the chat message."""

import pytest
from playwright.sync_api import expect

from apps.accounts.services import user_create
from apps.chat import services as chat
from apps.chat.models import Room
from apps.departments.services import department_create, membership_set
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]


def test_search_from_the_header_with_the_shortcut_and_open_a_chat_message(live_site, new_page):
    sales = department_create(acting_user=None, name="Sales", description="We sell.")
    mia = user_create(acting_user=None, email="mia@example.com", display_name="Mia Member", password=PASSWORD)
    membership_set(acting_user=None, department=sales, user=mia, role="member")
    room = Room.objects.get(department=sales)
    message, _ = chat.message_send(
        acting_user=mia, room_id=room.pk, body="The Acme renewal is due in March", check_rate_limit=False
    )

    page = new_page()
    page.goto("/accounts/login/")
    log_in(page, "mia@example.com")
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    box = page.get_by_role("searchbox", name="Search everything")
    expect(box).to_have_attribute("data-shortcut-ready", "true")
    page.locator("body").press("/")
    expect(box).to_be_focused()
    box.fill("acme renewal")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Search")).to_be_visible()
    result = page.locator(".search-result").filter(has_text="Chat message")
    expect(result.locator("mark").first).to_have_text("Acme")
    result.get_by_role("link").click()
    expect(page).to_have_url(f"{live_site.url}/chat/{room.pk}/#message-{message.pk}")
    expect(page.locator(f"#message-{message.pk}")).to_be_visible()
