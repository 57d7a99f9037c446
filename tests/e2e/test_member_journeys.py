"""Everyday journeys of a plain member, in headless Chromium against a live daphne (issue 12).

Written from the member's side: the most common user, who sees no manager controls.
"""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.services import user_create
from apps.departments.services import department_create, membership_set
from apps.feed.models import Post
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]


@pytest.fixture
def sales(live_site):
    department = department_create(acting_user=None, name="Sales", description="We sell.")
    mia = user_create(acting_user=None, email="mia@example.com", display_name="Mia Member", password=PASSWORD)
    membership_set(acting_user=None, department=department, user=mia, role="member")
    return department


def test_a_member_posts_from_the_department_page_and_a_mistake_keeps_what_she_wrote(sales, new_page, settings):
    page = new_page()
    page.goto("/accounts/login/")
    log_in(page, "mia@example.com")
    page.get_by_role("link", name="Departments").first.click()
    page.get_by_role("link", name="Sales").first.click()
    expect(page.get_by_role("link", name="Feed")).to_be_visible()
    page.get_by_text("Write a post").click()
    composer = page.locator("form[data-composer]")
    expect(composer.get_by_label("Type")).to_have_count(0)  # a member is never shown manager fields
    expect(composer.get_by_label("Ask members to acknowledge")).to_have_count(0)

    # A file over the limit is refused before anything is sent, and the text stays. (The page
    # carries the server's limit; a small one here keeps the test from moving 25 MB around.)
    composer.get_by_label("Message", exact=True).fill("Numbers for **Q3** are in.")
    files = composer.get_by_label("Files")
    assert files.get_attribute("data-max-bytes") == str(settings.ATTACHMENT_MAX_BYTES)
    files.evaluate("input => { input.dataset.maxBytes = '1024'; }")
    files.set_input_files({"name": "huge.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 4096})
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(composer.get_by_role("alert")).to_contain_text("is too large")
    expect(composer.get_by_label("Message", exact=True)).to_have_value("Numbers for **Q3** are in.")
    assert not Post.objects.exists()

    # An empty message is explained in place; the chosen file is still chosen.
    files.evaluate(f"input => {{ input.dataset.maxBytes = '{settings.ATTACHMENT_MAX_BYTES}'; }}")
    composer.get_by_label("Files").set_input_files(
        {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n1 0 obj\n"}
    )
    composer.get_by_label("Message", exact=True).fill("   ")
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(composer.get_by_role("alert").first).to_be_visible()
    assert page.url.endswith("/departments/sales/")
    assert composer.get_by_label("Files").evaluate("input => input.files.length") == 1

    composer.get_by_label("Message", exact=True).fill("Numbers for **Q3** are in.")
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Posted.")).to_be_visible()
    assert page.url.endswith("/feed/d/sales/")
    expect(page.locator("li.post").filter(has_text="Numbers for")).to_be_visible()
    post = Post.objects.get()
    assert post.author.email == "mia@example.com" and post.kind == "post" and post.attachments.count() == 1


def test_a_member_comments_from_the_card_reads_long_posts_and_deletes_with_a_chance_to_undo(sales, new_page):
    from apps.accounts.models import User
    from apps.feed import services

    mia = User.objects.get(email="mia@example.com")
    long_body = "\n\n".join(f"Paragraph {i}: the details of the plan, see https://example.com/plan" for i in range(12))
    long_post = services.post_create(acting_user=mia, department=sales, body=long_body)
    page = new_page()
    page.goto("/accounts/login/?next=/feed/d/sales/")
    log_in(page, "mia@example.com")
    card = page.locator(f"#post-{long_post.pk}")
    expect(card.get_by_role("link", name="https://example.com/plan").first).to_be_visible()  # plain URLs are links
    show_more = card.get_by_role("button", name="Show more")
    expect(show_more).to_have_attribute("aria-expanded", "false")
    show_more.click()
    expect(card.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")

    url = page.url
    card.get_by_placeholder("Write a comment…").fill("Good plan, thanks")
    card.get_by_role("button", name="Comment", exact=True).click()
    expect(card.locator(".comments-preview")).to_contain_text("Good plan, thanks")  # no reload
    assert page.url == url
    expect(card.locator("[data-comment-count]")).to_have_text("1")

    page.goto(f"/feed/posts/{long_post.pk}/")
    expect(page.locator("li.comment").filter(has_text="Good plan, thanks")).to_have_count(1)  # not twice
    page.get_by_role("button", name="Delete").click()
    expect(page.locator(f"#post-{long_post.pk}")).to_be_hidden()
    page.get_by_role("button", name="Undo").click()
    expect(page.locator(f"#post-{long_post.pk}")).to_be_visible()
    long_post.refresh_from_db()
    assert long_post.deleted_at is None
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url("**/feed/d/sales/", timeout=15_000)  # gone after the undo time, back to the feed
    long_post.refresh_from_db()
    assert long_post.deleted_at is not None


DESKTOP_SPY = """
window.__shown = [];
class SpyNotification extends EventTarget {
  static permission = "granted";
  static requestPermission = async () => "granted";
  constructor(title, options) { super(); window.__shown.push({ title, body: options.body }); }
}
window.Notification = SpyNotification;
document.hasFocus = () => false;  // the person is in another window
"""


def test_a_direct_message_reaches_a_member_on_the_desktop_and_opens_at_the_message(sales, new_page):
    from apps.accounts.models import User
    from apps.chat import services as chat

    max_ = user_create(acting_user=None, email="max@example.com", display_name="Max Manager", password=PASSWORD)
    mia = User.objects.get(email="mia@example.com")
    room, _ = chat.direct_room(acting_user=max_, other_id=mia.pk)
    for i in range(60):  # enough history that the message is not on the first page
        old, _ = chat.message_send(acting_user=max_, room_id=room.pk, body=f"old news {i}", check_rate_limit=False)
    chat.room_mark_read(acting_user=mia, room_id=room.pk, message_id=old.pk)  # she read those
    page = new_page()
    page.context.add_init_script(DESKTOP_SPY)
    page.goto("/accounts/login/?next=/notifications/settings/")
    log_in(page, "mia@example.com")
    page.get_by_role("button", name="Turn on desktop notifications").click()
    expect(page.get_by_role("button", name="Turn off desktop notifications")).to_be_visible()
    page.goto("/people/")
    expect(page.locator("[data-connection-state]")).to_have_text("Live")
    # Max writes through the API, so that the server (not this test process) publishes the event.
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=max_)
    sent = page.request.post(
        f"/api/v1/chat/rooms/{room.pk}/messages/", data={"body": "Can you **call** me?"},
        headers={"Authorization": f"Token {token.key}"},
    )  # fmt: skip
    assert sent.status == 201, sent.text()
    message_id = sent.json()["id"]
    expect(page.locator("#notification-badge")).to_have_text("1")
    shown = page.evaluate("() => window.__shown[0]")
    assert shown == {"title": "Intranet", "body": "Max Manager sent you a message: “Can you call me?”"}
    page.goto("/notifications/")
    page.get_by_role("link", name="Max Manager sent you a message").first.click()
    target = page.locator(f"#message-{message_id}")
    expect(target).to_have_class(re.compile("chat-message-target"))
    expect(target).to_be_in_viewport()
