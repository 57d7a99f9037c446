"""Idea boards and polls in headless Chromium against a live daphne (the fixtures of tests/browser.py).

The flow of the issue, with a browser context per person: Bob proposes an idea, Carol
votes for it (Bob's open board counts her vote live), Max the manager sets it to
planned, and Carol's notification badge lights up live; she follows it to the note.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from apps.departments.services import department_create
from apps.voting.models import Idea, IdeaVote, Poll
from tests.browser import log_in
from tests.factories import UserFactory, add_member

pytestmark = [pytest.mark.browser]

CSP_MESSAGE = re.compile(r"Content Security Policy|Refused to")


@pytest.fixture
def team(live_site) -> SimpleNamespace:
    sales = department_create(acting_user=None, name="Sales", description="We sell.")
    people = {}
    for key, name, role in (("bob", "Bob Baker", "member"), ("carol", "Carol Cruz", "member"),
                            ("max", "Max Manager", "manager")):  # fmt: skip
        people[key] = UserFactory(email=f"{key}@example.com", display_name=name)
        add_member(sales, people[key], role)
    return SimpleNamespace(sales=sales, **people)


def open_as(new_page, email: str, path: str) -> tuple[Page, list[str]]:
    """A logged-in page in its own browser context, with the CSP violations it reports."""
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
    """The page's socket is open (and so its topics are watched)."""
    expect(page.locator("html")).to_have_attribute("data-connection", "online")


def test_propose_vote_answer_and_the_voter_is_notified_live(new_page, live_site, team):
    title = "Quarterly customer demo day"

    # Bob proposes the idea; his own vote is counted.
    bob, bob_csp = open_as(new_page, "bob@example.com", "/ideas/")
    bob.get_by_role("link", name="Sales").click()
    bob.get_by_role("link", name="Propose an idea").click()
    bob.get_by_label("Title").fill(title)
    bob.get_by_label("Description").fill("Customers see what we **shipped** this quarter.")
    bob.get_by_role("button", name="Propose").click()
    expect(bob.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(bob.locator(".prose strong")).to_have_text("shipped")
    idea = Idea.objects.get(title=title)
    expect(bob.locator(f'.vote-box [data-vote-count="{idea.pk}"]')).to_have_text("1")
    bob.goto("/ideas/sales/")
    expect_live(bob)

    # Carol votes from the board, in place; Bob's board counts her vote without a reload.
    carol, carol_csp = open_as(new_page, "carol@example.com", "/ideas/sales/")
    expect_live(carol)
    carol.get_by_role("button", name=f"Vote for {title}").click()
    expect(carol.get_by_role("button", name=f"Voted (take back your vote for {title})")).to_be_visible()
    expect(carol.locator(f'[data-vote-count="{idea.pk}"]')).to_have_text("2")
    assert carol.url.endswith("/ideas/sales/")  # no page load: the API answered
    expect(bob.locator(f'[data-vote-count="{idea.pk}"]')).to_have_text("2")
    assert set(IdeaVote.objects.filter(idea=idea).values_list("user__email", flat=True)) == {
        "bob@example.com", "carol@example.com"
    }  # fmt: skip
    expect(carol.locator("#notification-badge")).to_be_hidden()

    # Max, the manager, answers: planned, with a note.
    max_, max_csp = open_as(new_page, "max@example.com", f"/ideas/sales/{idea.pk}/")
    max_.get_by_label("Status").select_option("planned")
    max_.get_by_label("Note").fill("Booked for **March**, in the Lisbon office.")
    max_.get_by_role("button", name="Update status").click()
    expect(max_.get_by_role("status")).to_contain_text("Status set to Planned; voters notified.")

    # Carol's badge lights up live, and Bob's open board shows the new status.
    expect(carol.locator("#notification-badge")).to_have_text("1")
    expect(carol.locator(f'[data-idea-status="{idea.pk}"]')).to_have_text("Planned")
    expect(bob.locator(f'[data-idea-status="{idea.pk}"]')).to_have_text("Planned")
    expect(bob.locator("#notification-badge")).to_have_text("1")  # the author hears of it too

    carol.get_by_role("link", name=re.compile("Notifications")).click()
    carol.get_by_role("link", name=f"“{title}” is now Planned").click()
    expect(carol).to_have_url(f"{live_site.url}/ideas/sales/{idea.pk}/")
    history = carol.locator(".idea-history")
    expect(history).to_contain_text("Max Manager changed the status from Open to Planned.")
    expect(history.locator("strong")).to_have_text("March")
    expect(carol.locator("#notification-badge")).to_be_hidden()

    assert not (bob_csp + carol_csp + max_csp), "CSP violations:\n" + "\n".join(bob_csp + carol_csp + max_csp)


def test_a_ranked_poll_is_voted_in_the_browser_and_shows_its_rounds(new_page, live_site, team):
    page, violations = open_as(new_page, "max@example.com", "/ideas/sales/polls/new/")
    page.get_by_label("Question").fill("What should we build first?")
    page.get_by_label("Kind of poll").select_option("ranked")
    page.get_by_label("Options", exact=True).fill("Reports\nMobile app\nDark mode")
    page.get_by_role("button", name="Create poll").click()
    expect(page.get_by_role("heading", level=1, name="What should we build first?")).to_be_visible()
    poll = Poll.objects.get()

    voter, voter_csp = open_as(new_page, "carol@example.com", f"/ideas/sales/polls/{poll.pk}/")
    expect_live(voter)
    voter.get_by_label("Mobile app").fill("1")
    voter.get_by_label("Reports").fill("2")
    voter.get_by_role("button", name="Vote").click()
    expect(voter.get_by_text("You voted for: 1. “Mobile app”, 2. “Reports”.")).to_be_visible()
    results = voter.locator(f'[data-poll-results="{poll.pk}"]')
    expect(
        results.get_by_text("“Mobile app” wins with a majority: 1 of 1 ballots still counting (100 %).").first
    ).to_be_visible()
    bar = results.locator("tr.leading .poll-bar-fill").first
    expect(bar).to_have_attribute("width", "100.0")
    assert bar.bounding_box()["width"] > 50  # drawn by the stylesheet, not an inline style

    # The manager's open page follows the ballot count live.
    expect(page.locator(f'[data-ballot-count="{poll.pk}"]')).to_have_text("1")
    assert not (violations + voter_csp), "CSP violations:\n" + "\n".join(violations + voter_csp)
