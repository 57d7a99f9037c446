"""Everyday journeys of a plain member, in headless Chromium against a live daphne (issue 12).

Written from the member's side: the most common user, who sees no manager controls.
"""

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
    composer.get_by_label("Message").fill("Numbers for **Q3** are in.")
    files = composer.get_by_label("Files")
    assert files.get_attribute("data-max-bytes") == str(settings.ATTACHMENT_MAX_BYTES)
    files.evaluate("input => { input.dataset.maxBytes = '1024'; }")
    files.set_input_files({"name": "huge.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 4096})
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(composer.get_by_role("alert")).to_contain_text("is too large")
    expect(composer.get_by_label("Message")).to_have_value("Numbers for **Q3** are in.")
    assert not Post.objects.exists()

    # An empty message is explained in place; the chosen file is still chosen.
    files.evaluate(f"input => {{ input.dataset.maxBytes = '{settings.ATTACHMENT_MAX_BYTES}'; }}")
    composer.get_by_label("Files").set_input_files(
        {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n1 0 obj\n"}
    )
    composer.get_by_label("Message").fill("   ")
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(composer.get_by_role("alert").first).to_be_visible()
    assert page.url.endswith("/departments/sales/")
    assert composer.get_by_label("Files").evaluate("input => input.files.length") == 1

    composer.get_by_label("Message").fill("Numbers for **Q3** are in.")
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Posted.")).to_be_visible()
    assert page.url.endswith("/feed/d/sales/")
    expect(page.locator("li.post").filter(has_text="Numbers for")).to_be_visible()
    post = Post.objects.get()
    assert post.author.email == "mia@example.com" and post.kind == "post" and post.attachments.count() == 1
