"""The iCalendar feed: parsed back with `icalendar`, per person, revocable, and limited to what its owner reads now."""

import pytest
from django.test import Client
from icalendar import Calendar

from apps.departments.services import membership_remove
from apps.plans import services

pytestmark = pytest.mark.django_db


def _events(response) -> dict[str, str]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): str(e["summary"]) for e in calendar.walk("VEVENT")}


def test_the_feed_lists_the_slots_and_goal_due_dates_its_owner_reads(member, outsider, slot, goal):
    secret = services.calendar_feed_reset(acting_user=member).secret
    events = _events(Client().get(f"/plans/calendar/{secret}.ics"))  # no session: the secret is the credential
    assert events[f"slot-{slot.pk}@intranet"] == "Feed post: Customer story (Sales)"
    assert events[f"goal-{goal.pk}@intranet"].startswith("Goal due: Answer questions")
    theirs = services.calendar_feed_reset(acting_user=outsider).secret
    assert _events(Client().get(f"/plans/calendar/{theirs}.ics")) == {}


def test_a_new_secret_revokes_the_old_one_and_turning_it_off_revokes_both(member, slot):
    first = services.calendar_feed_reset(acting_user=member).secret
    second = services.calendar_feed_reset(acting_user=member).secret
    assert first != second
    assert Client().get(f"/plans/calendar/{first}.ics").status_code == 404
    assert Client().get(f"/plans/calendar/{second}.ics").status_code == 200
    services.calendar_feed_revoke(acting_user=member)
    assert Client().get(f"/plans/calendar/{second}.ics").status_code == 404


def test_the_feed_follows_the_owners_rights_at_once(department, member, slot):
    secret = services.calendar_feed_reset(acting_user=member).secret
    assert f"slot-{slot.pk}@intranet" in _events(Client().get(f"/plans/calendar/{secret}.ics"))
    membership_remove(acting_user=None, department=department, user=member)
    assert f"slot-{slot.pk}@intranet" not in _events(Client().get(f"/plans/calendar/{secret}.ics"))
    member.is_active = False
    member.save()
    assert Client().get(f"/plans/calendar/{secret}.ics").status_code == 404


def test_the_settings_page_shows_only_my_own_address(client_as, member, manager):
    mine = services.calendar_feed_reset(acting_user=member).secret
    services.calendar_feed_reset(acting_user=manager)
    html = client_as("member").get("/plans/calendar/").content.decode()
    assert mine in html and manager.plan_calendar.secret not in html
