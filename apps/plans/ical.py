"""The content plan as iCalendar (RFC 5545, with the `icalendar` library) for a person's own calendar.

Built for the secret's owner with the same rule as every page (`visible_to(user)`), at the
moment of the request: someone who leaves a department stops seeing its items at once.
Events carry the theme and a link, never a post's text.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Goal, Slot

WINDOW_BEFORE, WINDOW_AFTER = timedelta(days=60), timedelta(days=400)


def calendar_for(user, *, base_url: str) -> bytes:
    today = timezone.localdate()
    since, until = today - WINDOW_BEFORE, today + WINDOW_AFTER
    cal = Calendar()
    cal.add("prodid", "-//Intranet//Game plans//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Content plan")
    stamp = timezone.now()
    base = base_url.rstrip("/")
    slots = Slot.objects.visible_to(user).filter(on__range=(since, until)).select_related("plan__department")
    for slot in slots:
        event = Event()
        event.add("uid", f"slot-{slot.pk}@intranet")
        event.add("dtstamp", stamp)
        event.add("dtstart", slot.on)
        event.add("dtend", slot.on + timedelta(days=1))
        event.add("summary", f"{slot.get_channel_display()}: {slot.theme} ({slot.plan.department.name})")
        event.add("description", f"Status: {slot.get_status_display()}")
        event.add("url", base + reverse("plans:content", args=[slot.plan.department.slug]))
        cal.add_component(event)
    goals = Goal.objects.visible_to(user).filter(due_on__range=(since, until)).select_related("plan__department")
    for goal in goals:
        event = Event()
        event.add("uid", f"goal-{goal.pk}@intranet")
        event.add("dtstamp", stamp)
        event.add("dtstart", goal.due_on)
        event.add("dtend", goal.due_on + timedelta(days=1))
        event.add("summary", f"Goal due: {goal.title} ({goal.plan.department.name})")
        event.add("url", base + goal.get_absolute_url())
        cal.add_component(event)
    return cal.to_ical()
