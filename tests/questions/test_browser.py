"""Questions and the communication policy in headless Chromium against a live daphne.

Cara (Customer Service) asks Product a question; the form suggests an earlier one while
she types. Paul (Product) answers from his inbox; Cara's page shows the answer without a
reload, and she accepts it. And Bob, who has not accepted the new version of the company
policy, is shown it first, stopped from posting while he only reads, then posts once he
accepts.
"""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from apps.departments.services import company_wide_department, department_create
from apps.policies import services as policy_services
from apps.questions import services
from apps.questions.models import Question
from tests.browser import log_in
from tests.factories import UserFactory, add_member

pytestmark = [pytest.mark.browser]

CSP_MESSAGE = re.compile(r"Content Security Policy|Refused to")


def open_as(new_page, email: str, path: str) -> tuple[Page, list[str]]:
    page = new_page()
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if CSP_MESSAGE.search(message.text):
            violations.append(message.text)

    page.on("console", on_console)
    page.goto(f"/accounts/login/?next={path}")
    log_in(page, email)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page, violations


def expect_live(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-connection", "online")


@pytest.fixture
def teams(live_site):
    service = department_create(acting_user=None, name="Customer Service")
    product = department_create(acting_user=None, name="Product")
    cara = UserFactory(email="cara@example.com", display_name="Cara Care")
    colleague = UserFactory(email="cole@example.com", display_name="Cole Care")
    paul = UserFactory(email="paul@example.com", display_name="Paul Product")
    add_member(service, cara)
    add_member(service, colleague)
    add_member(product, paul)
    services.question_ask(acting_user=colleague, asking_department=service, departments=[product],
                          title="Export to Excel broken for large files", body="Since Monday.")  # fmt: skip
    return service, product


def test_customer_service_asks_product_who_answers_live_and_the_asker_accepts(new_page, teams):
    title = "When will the export fix ship?"
    cara, cara_csp = open_as(new_page, "cara@example.com", "/questions/")
    cara.get_by_role("link", name="Ask a department").click()
    cara.get_by_label("Product").check()
    cara.get_by_label("Your question").press_sequentially("When will the export fix ship")
    similar = cara.locator("[data-similar-list]")
    expect(similar.get_by_role("link", name="Export to Excel broken for large files")).to_be_visible()
    cara.get_by_label("Your question").press("?")
    cara.get_by_label("Details").fill("Three customers asked **today**.")
    cara.get_by_role("button", name="Send the question").click()
    expect(cara.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(cara.locator(".prose strong").first).to_have_text("today")
    expect_live(cara)
    question = Question.objects.get(title=title)

    paul, paul_csp = open_as(new_page, "paul@example.com", "/questions/d/product/")
    expect(paul.get_by_role("link", name=title)).to_be_visible()
    paul.get_by_role("link", name=title).click()
    paul.get_by_label("Your answer").fill("In release **3.4**, on Thursday.")
    paul.get_by_role("button", name="Send your answer").click()
    expect(paul.locator("#answers [data-answer]").filter(has_text="In release 3.4")).to_be_visible()

    # Cara did not reload: the answer arrives over the socket.
    answer = cara.locator("#answers [data-answer]").filter(has_text="In release 3.4")
    expect(answer).to_be_visible()
    expect(cara.locator("[data-answer-count]")).to_have_text("1")
    answer.get_by_role("button", name="Accept this answer").click()
    expect(cara.get_by_role("status").filter(has_text="Answer accepted")).to_be_visible()
    expect(cara.locator("#answers").get_by_text("Accepted answer")).to_be_visible()
    question.refresh_from_db()
    assert question.status == "answered"
    target = question.targets.get()
    assert target.first_response_at is not None and target.answered_at is not None
    assert cara_csp == [] and paul_csp == []


@pytest.fixture
def bob_and_a_new_policy(live_site):
    sales = department_create(acting_user=None, name="Sales")
    bob = UserFactory(email="bob@example.com", display_name="Bob Baker")
    add_member(sales, bob)
    policy = policy_services.policy_create(acting_user=None, department=company_wide_department(), body="Be kind.")
    policy_services.policy_accept(acting_user=bob, policy=policy, version=1)
    policy_services.policy_publish_version(
        acting_user=None, policy=policy, body="Be kind.\n\nNever post **photos of screens**.", summary="Screens"
    )
    return sales


def test_a_member_who_has_not_accepted_the_new_version_cannot_post_until_they_accept(new_page, bob_and_a_new_policy):
    bob = new_page()
    bob.goto("/accounts/login/?next=/feed/d/sales/")
    log_in(bob, "bob@example.com")
    # The policy comes first: a full page, not a banner.
    expect(bob.get_by_role("heading", level=1, name=re.compile("our communication policy"))).to_be_visible()
    expect(bob.locator(".policy-text strong")).to_have_text("photos of screens")
    bob.get_by_role("button", name="Not now: only read").click()
    expect(bob.get_by_role("heading", level=1, name="Sales")).to_be_visible()  # reading stays possible

    bob.get_by_text("Write a post").click()
    bob.get_by_label("Message", exact=True).fill("Our new office, photo attached.")
    bob.get_by_role("button", name="Post", exact=True).click()
    expect(
        bob.get_by_role("alert").filter(has_text="Please read and accept the Company communication policy")
    ).to_be_visible()

    bob.goto("/policies/accept/?next=/feed/d/sales/")
    bob.get_by_role("button", name="I have read and accept").click()
    expect(bob.get_by_role("status").filter(has_text="you accepted the communication policy")).to_be_visible()
    bob.get_by_text("Write a post").click()
    bob.get_by_label("Message", exact=True).fill("Our new office, photo attached.")
    bob.get_by_role("button", name="Post", exact=True).click()
    expect(bob.get_by_role("status").filter(has_text="Posted.")).to_be_visible()
    expect(bob.locator("li.post").filter(has_text="Our new office")).to_be_visible()
