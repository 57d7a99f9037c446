"""Game plans in headless Chromium against a live daphne (the fixtures of tests/browser.py).

The flow of the issue, a browser context per person: Max the manager creates a goal with
the form, Bob (its owner) records a check-in on the goal's page, and Carol, a member reading
the plan, sees the goal's card and chart update live, and then Bob's slot move along. Then the plan on a phone.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.departments.services import department_create
from apps.plans import services
from apps.plans.models import CheckIn, Goal
from tests.factories import UserFactory, add_member

from ..voting.test_browser import expect_live, open_as

pytestmark = [pytest.mark.browser]


@pytest.fixture
def team(live_site) -> SimpleNamespace:
    sales = department_create(acting_user=None, name="Sales", description="We sell.")
    people = {}
    for key, name, role in (("bob", "Bob Baker", "member"), ("carol", "Carol Cruz", "member"),
                            ("max", "Max Manager", "manager")):  # fmt: skip
        people[key] = UserFactory(email=f"{key}@example.com", display_name=name)
        add_member(sales, people[key], role)
    return SimpleNamespace(sales=sales, **people)


def test_a_manager_creates_a_goal_the_owner_checks_in_and_a_member_sees_it_live(new_page, live_site, team):
    today = timezone.localdate()
    max_, max_csp = open_as(new_page, "max@example.com", "/plans/d/sales/goals/new/")
    max_.get_by_label("Title").fill("Answer questions within a day")
    max_.get_by_label("Description").fill("The share of questions answered within a working day.")
    max_.get_by_label("Unit").fill("%")
    max_.get_by_label("Baseline").fill("50")
    max_.get_by_label("Target").fill("90")
    max_.get_by_label("Owner").select_option(label="Bob Baker")
    max_.get_by_label("Starts on").fill((today - timedelta(days=10)).isoformat())
    max_.get_by_label("Due on").fill((today + timedelta(days=30)).isoformat())
    max_.get_by_label("Due on").press("Tab")
    max_.get_by_label("Unit").fill("")
    max_.get_by_role("button", name="Save goal").click()
    expect(max_.get_by_text("Measurable: say what is counted (the unit).")).to_be_visible()  # the missing letter
    max_.get_by_label("Unit").fill("%")
    max_.get_by_role("button", name="Save goal").click()
    expect(max_.get_by_role("heading", name="Answer questions within a day", level=1)).to_be_visible()
    goal = Goal.objects.get()
    slot = services.slot_create(acting_user=team.max, department=team.sales, on=today, channel="post",
                                theme="Customer story", owner_id=team.bob.pk)  # fmt: skip

    carol, carol_csp = open_as(new_page, "carol@example.com", "/plans/d/sales/")
    expect_live(carol)
    card = carol.locator(f'[data-goal="{goal.pk}"]')
    expect(card.locator("[data-goal-percent]")).to_have_text("0")
    expect(carol.get_by_role("button", name="Mark done")).to_have_count(0)  # a reader, not an editor
    expect(carol.get_by_role("link", name="Edit plan")).to_have_count(0)

    bob, bob_csp = open_as(new_page, "bob@example.com", f"/plans/goals/{goal.pk}/")
    bob.get_by_label("Value measured").fill("70")
    bob.get_by_label("Comment").fill("A good week")
    bob.get_by_role("button", name="Record check-in").click()
    expect(bob.get_by_text("Check-in recorded.")).to_be_visible()
    assert CheckIn.objects.filter(goal=goal, author=team.bob).count() == 1

    expect(card.locator("[data-goal-percent]")).to_have_text("50")  # Carol's page, without a reload
    expect(carol.locator(f'[data-goal="{goal.pk}"] .chart-point')).to_have_count(1)

    bob.goto("/plans/d/sales/content/?view=week")  # Bob moves his slot along; Carol's plan follows
    bob.get_by_label("Status of Customer story").select_option("draft")
    bob.get_by_role("button", name="Set").click()
    expect(carol.locator(f'[data-slot="{slot.pk}"] [data-slot-status]')).to_have_text("draft")
    assert max_csp == bob_csp == carol_csp == []


def test_the_plan_reads_on_a_phone(new_page, live_site, team):
    carol, _ = open_as(new_page, "carol@example.com", "/plans/d/sales/")
    carol.set_viewport_size({"width": 390, "height": 844})
    carol.goto("/plans/d/sales/")
    expect(carol.get_by_role("heading", name="Goals")).to_be_visible()
    assert carol.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    carol.goto("/plans/d/sales/content/")
    expect(carol.get_by_role("heading", level=1)).to_contain_text("Content plan")
    assert carol.evaluate("document.documentElement.scrollWidth") <= 390  # the grid scrolls inside its box
