"""Reads of game plans: the plan page in a constant number of queries, the content calendar, diffs."""

import calendar
import difflib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from apps.departments.models import Department

from . import charts
from .access import can_edit_plan
from .models import CheckIn, Goal, Plan, PlanVersion, Review, Role, Routine, RoutineDone, Slot
from .progress import standing
from .services import period_start


def plan_for_reading(department: Department) -> Plan:
    """The saved plan, or an empty one (not saved: a GET writes nothing)."""
    plan = Plan.objects.filter(department=department).first() or Plan(department=department)
    plan.department = department
    return plan


def decorate_goals(goals: list[Goal], *, today: date | None = None, with_charts: bool = True) -> list[Goal]:
    """Give each goal (check-ins prefetched) its standing and chart."""
    today = today or timezone.localdate()
    for goal in goals:
        goal.standing = standing(
            value=goal.current_value,
            baseline=goal.baseline,
            target=goal.target,
            starts_on=goal.starts_on,
            due_on=goal.due_on,
            today=today,
        )
        if with_charts:
            points = [(c.on, c.value) for c in goal.check_ins.all()]
            goal.chart = charts.goal_chart(
                chart_id=f"goal-chart-{goal.pk}",
                title=f"{goal.title}: values over time",
                unit=goal.unit,
                baseline=goal.baseline,
                target=goal.target,
                starts_on=goal.starts_on,
                due_on=goal.due_on,
                points=points,
            )
    return goals


def goals_of(plan: Plan) -> list[Goal]:
    if plan.pk is None:
        return []
    return list(
        Goal.objects.filter(plan=plan)
        .select_related("owner__profile", "parent", "idea", "measured_video")
        .prefetch_related(Prefetch("check_ins", queryset=CheckIn.objects.order_by("on", "pk")))
    )


@dataclass
class RoutineDue:
    routine: Routine
    period_start: date
    done: RoutineDone | None


def routines_due(plan: Plan, today: date) -> list[RoutineDue]:
    """Every routine with the period it is in now and whether it is done for it (2 queries)."""
    if plan.pk is None:
        return []
    routines = list(Routine.objects.filter(plan=plan).select_related("owner__profile"))
    starts = {r.pk: period_start(r.cadence, today) for r in routines}
    done = {
        (d.routine_id, d.period_start): d
        for d in RoutineDone.objects.filter(routine__plan=plan, period_start__in=set(starts.values()))
    }
    return [RoutineDue(r, starts[r.pk], done.get((r.pk, starts[r.pk]))) for r in routines]


def plan_page(user, department: Department) -> dict:
    today = timezone.localdate()
    plan = plan_for_reading(department)
    goals = decorate_goals(goals_of(plan), today=today)
    week_start = today - timedelta(days=today.weekday())
    week_end = week_start + timedelta(days=6)
    saved = plan.pk is not None
    return {
        "department": department,
        "plan": plan,
        "goals": goals,
        "summary_chart": charts.summary_chart(
            [(g.title, g.standing.percent, g.standing.expected_percent) for g in goals]
        )
        if goals
        else None,
        "roles": list(Role.objects.filter(plan=plan).prefetch_related("holders__profile")) if saved else [],
        "routines": routines_due(plan, today),
        "slots_this_week": list(
            Slot.objects.filter(plan=plan, on__range=(week_start, week_end)).select_related("owner__profile")
        )
        if saved
        else [],
        "last_review": Review.objects.filter(plan=plan).select_related("author__profile").first() if saved else None,
        "following": saved and plan.followers.filter(pk=user.pk).exists(),
        "can_edit": can_edit_plan(user, department),
        "week_start": week_start,
        "week_end": week_end,
        "today": today,
    }


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "gap"
    text: str


def diff(old: PlanVersion, new: PlanVersion) -> list[DiffLine]:
    """Line by line, what changed from `old` to `new`, with two unchanged lines of context around each change."""
    a, b = old.body.splitlines(), new.body.splitlines()
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(2):
        if lines:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", a[i]) for i in range(i1, i2)]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("removed", a[i]) for i in range(i1, i2)]
            if tag in ("replace", "insert"):
                lines += [DiffLine("added", b[j]) for j in range(j1, j2)]
    return lines


def parse_month(raw: object, today: date) -> date:
    try:
        year, month = (int(x) for x in str(raw).split("-"))
        first = date(year, month, 1)
        if not date.min.year < year < date.max.year:
            raise ValueError(year)
    except ValueError:
        first = today.replace(day=1)
    return first


OVERLOAD = 3  # more items than this on one day is overload


def content_calendar(department: Department, first: date, *, week: date | None = None) -> dict:
    """The content plan's grid: slots and the feed's posts (published and scheduled) by day; gaps and overload.

    This is the feed's former content calendar, with the plan's slots on it: a post made
    from a slot shows once, in its slot.
    """
    from apps.feed.models import Post

    if week is not None:
        weeks = [[week + timedelta(days=i) for i in range(7)]]
    else:
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    tz = timezone.get_current_timezone()
    start, end = weeks[0][0], weeks[-1][-1]
    plan = Plan.objects.filter(department=department).first()
    slots = (
        list(Slot.objects.filter(plan=plan, on__range=(start, end)).select_related("owner__profile", "video"))
        if plan
        else []
    )
    filled = {s.post_id for s in slots if s.post_id}
    posts = (
        Post.objects.filter(
            department=department,
            deleted_at__isnull=True,
            publish_at__gte=datetime.combine(start, time.min, tz),
            publish_at__lt=datetime.combine(end + timedelta(days=1), time.min, tz),
        )
        .exclude(pk__in=filled)
        .order_by("publish_at")
    )
    by_day: dict[date, dict] = {}
    for slot in slots:
        by_day.setdefault(slot.on, {"slots": [], "posts": []})["slots"].append(slot)
    for post in posts:
        by_day.setdefault(timezone.localtime(post.publish_at).date(), {"slots": [], "posts": []})["posts"].append(post)
    grid = []
    for days in weeks:
        row = []
        for day in days:
            items = by_day.get(day, {"slots": [], "posts": []})
            count = len(items["slots"]) + len(items["posts"])
            shown = week is not None or day.month == first.month  # days of the months around it are not counted
            gap = count == 0 and day.weekday() < 5 and shown
            row.append({"day": day, **items, "gap": gap, "overload": count > OVERLOAD})
        grid.append(row)
    return {
        "grid": grid,
        "gaps": sum(c["gap"] for r in grid for c in r if c["day"].month == first.month or week),
        "overloaded": sum(c["overload"] for r in grid for c in r),
    }


def company_calendar(first: date) -> dict:
    """Every department's company-wide items of the month (for All staff's managers), and the days that clash."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    slots = list(
        Slot.objects.filter(company_wide=True, on__range=(weeks[0][0], weeks[-1][-1])).select_related(
            "plan__department", "owner"
        )
    )
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.on, []).append(slot)
    clashes = sorted(d for d, items in by_day.items() if len({s.plan.department_id for s in items}) > 1)
    grid = [[{"day": d, "slots": by_day.get(d, []), "clash": d in clashes} for d in w] for w in weeks]
    return {"grid": grid, "clashes": clashes}
