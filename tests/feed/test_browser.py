"""The feed as people use it, in headless Chromium against a live daphne: post, comment, react, acknowledge."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.services import user_create
from apps.departments.services import department_create, membership_set
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]


@pytest.fixture
def sales(live_site):
    department = department_create(acting_user=None, name="Sales", description="We sell.")
    max_ = user_create(acting_user=None, email="max@example.com", display_name="Max Manager", password=PASSWORD)
    mia = user_create(acting_user=None, email="mia@example.com", display_name="Mia Member", password=PASSWORD)
    membership_set(acting_user=None, department=department, user=max_, role="manager")
    membership_set(acting_user=None, department=department, user=mia, role="member")
    return department


def max_id(department) -> int:
    return department.memberships.get(user__email="max@example.com").user_id


def test_announce_then_comment_react_and_acknowledge_with_live_updates(sales, new_page):
    mia = new_page()
    mia.goto("/accounts/login/")
    log_in(mia, "mia@example.com")
    expect(mia.get_by_role("heading", level=1, name="Home")).to_be_visible()
    expect(mia.locator("[data-connection-state]")).to_have_text("Live")

    max_ = new_page()
    max_.goto("/accounts/login/?next=/feed/d/sales/")
    log_in(max_, "max@example.com")
    max_.get_by_text("Write a post").click()
    max_.get_by_label("Message", exact=True).fill("Office closed on **Friday** for the move.")
    max_.get_by_label("Type").select_option("announcement")
    max_.get_by_label("Ask members to acknowledge").check()
    due = timezone.localtime() + timedelta(days=3)
    max_.get_by_label("Acknowledge by").fill(due.strftime("%Y-%m-%dT%H:%M"))
    max_.get_by_role("button", name="Post", exact=True).click()
    expect(max_.get_by_role("status").filter(has_text="Posted.")).to_be_visible()

    # Mia did not reload: the announcement arrives over the socket.
    card = mia.locator("li.post").filter(has_text="Office closed on")
    expect(card).to_be_visible()
    expect(card.locator("strong")).to_have_text("Friday")
    expect(card.get_by_text("Announcement")).to_be_visible()

    card.get_by_role("button", name=re.compile("Thumbs up reaction")).click()
    expect(card.get_by_role("button", name=re.compile("Thumbs up reaction"))).to_have_attribute("aria-pressed", "true")
    max_card = max_.locator("li.post").filter(has_text="Office closed on")
    expect(max_card.get_by_role("button", name=re.compile("Thumbs up reaction"))).to_contain_text("1")  # live for Max

    card.get_by_role("button", name="Acknowledge: read and understood").click()
    expect(mia.get_by_role("status").filter(has_text="you acknowledged this announcement")).to_be_visible()
    expect(
        mia.locator("li.post").filter(has_text="Office closed on").get_by_text("You acknowledged this")
    ).to_be_visible()

    mia.locator("li.post").filter(has_text="Office closed on").get_by_role("link", name=re.compile("comment")).click()
    comment = mia.get_by_label("Add a comment")
    expect(comment).to_have_attribute("aria-autocomplete", "list")  # its script is attached
    comment.press_sequentially("Noted, thanks @ma")  # the mention autocomplete offers Max by name
    expect(mia.get_by_role("option", name=re.compile("Max Manager"))).to_be_visible()
    comment.press("Enter")
    expect(comment).to_have_value("Noted, thanks @**Max Manager** ")
    mia.get_by_role("button", name="Comment", exact=True).click()
    posted = mia.locator("#comments .comment").filter(has_text="Noted, thanks")
    expect(posted.get_by_role("link", name="@Max Manager")).to_have_attribute("href", f"/people/{max_id(sales)}/")
    expect(max_card.locator("[data-comment-count]")).to_have_text("1")  # live for Max
    expect(max_.locator("#notification-badge")).to_have_text("2")  # her reaction, then the mention: live

    max_.goto("/feed/d/sales/announcements/")
    expect(max_.get_by_text("1 of 1")).to_be_visible()
    expect(max_.get_by_text("Everyone has acknowledged.")).to_be_visible()


def test_infinite_scroll_mention_autocomplete_and_lightbox(sales, new_page):
    from apps.accounts.models import User
    from apps.feed import services

    from .conftest import jpeg

    max_ = User.objects.get(email="max@example.com")
    for i in range(15):
        services.post_create(
            acting_user=max_, department=sales, body=f"Update number {i}", images=[jpeg()] if i == 0 else []
        )

    page = new_page()
    page.goto("/accounts/login/")
    log_in(page, "mia@example.com")
    posts = page.locator("#feed li.post")
    expect(posts).to_have_count(10)
    page.get_by_role("link", name="Older posts").scroll_into_view_if_needed()
    expect(posts).to_have_count(15)
    expect(page.get_by_role("link", name="Older posts")).to_have_count(0)

    page.locator("li.post").filter(has_text="Update number 0").get_by_role("link", name="Image 1 of 1").click()
    expect(page.locator("#lightbox img")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#lightbox")).not_to_be_visible()

    page.get_by_text("Write a post").click()
    message = page.get_by_label("Message", exact=True)
    expect(message).to_have_attribute("aria-autocomplete", "list")  # its script is attached
    message.press_sequentially("Thanks @Ma")
    option = page.get_by_role("option", name=re.compile("^Max Manager"))
    expect(option).to_be_visible()
    message.press("Enter")
    expect(message).to_have_value("Thanks @**Max Manager** ")


def test_a_mention_picked_from_the_autocomplete_in_a_comment_notifies_that_person(sales, new_page):
    from apps.accounts.models import User
    from apps.feed import services

    max_ = User.objects.get(email="max@example.com")
    sams = [
        user_create(acting_user=None, email=f"sam{i}@example.com", display_name="Sam Lee", password=PASSWORD)
        for i in (1, 2)
    ]
    for sam in sams:
        membership_set(acting_user=None, department=sales, user=sam)
    post = services.post_create(acting_user=max_, department=sales, body="Who takes the Friday shift?")

    sam = new_page()
    sam.goto("/accounts/login/")
    log_in(sam, "sam2@example.com")
    expect(sam.locator("[data-connection-state]")).to_have_text("Live")
    expect(sam.locator("#notification-badge")).to_be_hidden()

    page = new_page()
    page.goto(f"/accounts/login/?next=/feed/posts/{post.pk}/")
    log_in(page, "max@example.com")
    comment = page.get_by_label("Add a comment")
    listbox = page.locator("#comments [role=listbox]")
    options = listbox.get_by_role("option")
    expect(comment).to_have_attribute("aria-autocomplete", "list")  # its script is attached
    comment.press_sequentially("Can you, @sa")
    expect(options).to_have_count(2)  # two people called Sam Lee read this feed
    expect(comment).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_have_attribute("aria-selected", "true")
    comment.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(comment).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    comment.press("Escape")
    expect(listbox).to_be_hidden()
    expect(comment).to_have_value("Can you, @sa")
    comment.press_sequentially("m")
    expect(options).to_have_count(2)
    comment.press("ArrowDown")
    comment.press("Enter")
    expect(comment).to_have_value(f"Can you, @**Sam Lee|{sams[1].pk}** ")  # the id: the name is not unique here
    comment.press_sequentially("?")
    page.get_by_role("button", name="Comment", exact=True).click()

    mention = page.locator("#comments .comment a.mention")
    expect(mention).to_have_text("@Sam Lee")
    expect(mention).to_have_attribute("href", f"/people/{sams[1].pk}/")
    expect(sam.locator("#notification-badge")).to_have_text("1")  # the Sam who was picked, live
