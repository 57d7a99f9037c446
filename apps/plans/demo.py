"""Demo game plans for `seed_demo`: All staff's company strategy and a plan for each demo department,
with goals that have a few months of check-ins (so a new user sees charts), roles, routines due
this week, a review of last month and a content plan around today.

Idempotent: a department that already has a plan is left alone. Made through the services.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.core.demo import DemoContext, demo_step
from apps.departments.models import Department, Membership

from . import services
from .models import Plan, Slot

MAX_DEPARTMENTS = 6
THEMES = ["Answers within a day", "Show, don't tell", "One team, many sites", "Customers first", "Less, but better"]


def _people(department: Department) -> tuple[list[int], list[int]]:
    rows = list(Membership.objects.filter(department=department).values_list("user_id", "role").order_by("user_id"))
    managers = [u for u, r in rows if r == Membership.Role.MANAGER]
    members = [u for u, _ in rows]
    return managers, members


def _goal(department, *, title, unit, baseline, target, owner, parent=None, rng, months=4, reach=0.7):
    today = timezone.localdate()
    start, due = today - timedelta(days=30 * months), today + timedelta(days=60)
    goal = services.goal_create(
        acting_user=None,
        department=department,
        data={
            "title": title,
            "description": f"{title}, measured every fortnight.",
            "unit": unit,
            "baseline": baseline,
            "target": target,
            "direction": "up" if target > baseline else "down",
            "owner": owner,
            "serves_mission": parent is None,
            "parent": parent.pk if parent else None,
            "starts_on": start,
            "due_on": due,
            "cadence": "fortnightly",
        },
    )
    span = Decimal(target) - Decimal(baseline)
    elapsed = (today - start).days / (due - start).days
    for k, day in enumerate(range(0, (today - start).days, 14)):
        share = min(1.0, elapsed * reach * (day / max((today - start).days, 1)) / max(elapsed, 0.01))
        value = Decimal(baseline) + span * Decimal(str(round(share + rng.uniform(-0.04, 0.04), 3)))
        services.check_in_record(
            acting_user=None,
            goal=goal,
            value=value.quantize(Decimal("0.1")),
            on=start + timedelta(days=day),
            comment="" if k % 3 else "Measured from the weekly report.",
        )
    return goal


def seed_plan(department: Department, *, rng, company_goal=None) -> Plan | None:
    if Plan.objects.filter(department=department, version__gt=0).exists():
        return None
    managers, members = _people(department)
    if department.is_company_wide:
        from apps.accounts.models import User

        members = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[:20])
        managers = list(User.objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True)[:1]) or members
    if not members:
        return None
    lead = managers[0] if managers else members[0]
    plan = services.plan_update(
        acting_user=None,
        department=department,
        name=f"{department.name} {timezone.localdate().year}",
        theme=rng.choice(THEMES),
        review_period="monthly",
        summary="First version of the game plan",
        mission=f"We help colleagues and customers get **what they need from {department.name}**, quickly and kindly.",
        principles="- Answer within a working day.\n- Show how we work, with short videos.\n- Measure, then decide.",
    )
    if department.is_company_wide:
        _goal(department, title="Employee engagement score", unit="points", baseline=62, target=75, owner=lead, rng=rng)
    else:
        owner = members[rng.randrange(len(members))]
        _goal(
            department,
            title="Questions answered within a day",
            unit="%",
            baseline=55,
            target=90,
            owner=owner,
            parent=company_goal,
            rng=rng,
            reach=0.9,
        )
        _goal(
            department,
            title="Best-practice videos published",
            unit="videos",
            baseline=0,
            target=12,
            owner=lead,
            rng=rng,
            reach=0.5,
        )
        _goal(
            department,
            title="Average first reply time",
            unit="hours",
            baseline=30,
            target=8,
            owner=lead,
            rng=rng,
            reach=0.4,
            months=3,
        )
    services.role_save(
        acting_user=None,
        department=department,
        name="Editor in chief",
        duties="Keeps the content plan full and on time.",
        holder_ids=[lead],
    )
    services.role_save(
        acting_user=None,
        department=department,
        name="Video host",
        duties="Records one best-practice video a month.",
        holder_ids=members[:2],
    )
    services.routine_create(
        acting_user=None,
        department=department,
        title="Post one best-practice video a month",
        owner_id=members[-1],
        cadence="monthly",
    )
    services.routine_create(
        acting_user=None,
        department=department,
        title="Answer cross-department questions within a day",
        owner_id=lead,
        cadence="weekly",
    )
    today = timezone.localdate()
    for offset, channel, theme_text in [
        (-3, "post", "Customer story of the month"),
        (1, "video", "How we triage tickets"),
        (4, "announcement", "New opening hours"),
        (9, "chat_event", "Ask us anything"),
        (16, "post", "Tips from the helpdesk"),
    ]:
        services.slot_create(
            acting_user=None,
            department=department,
            on=today + timedelta(days=offset),
            channel=channel,
            theme=theme_text,
            owner_id=members[rng.randrange(len(members))],
            status=Slot.Status.PUBLISHED if offset < 0 else Slot.Status.DRAFT,
            company_wide=channel == "announcement",
        )
    services.review_create(
        acting_user=None,
        department=department,
        worked="The fortnightly check-ins kept the goals in sight.",
        changes="Fewer posts, more short videos.",
    )
    return plan


@demo_step("plans.plans", after=["departments.memberships", "people.profiles", "feed.posts", "voting.boards"])
def seed_plans(ctx: DemoContext) -> str:
    made = 0
    company = Department.objects.filter(is_company_wide=True).first()
    company_goal = None
    if company is not None:
        if seed_plan(company, rng=ctx.random("plan-all-staff")):
            made += 1
        company_goal = company.plan.goals.first() if hasattr(company, "plan") else None
    for department in ctx.departments[:MAX_DEPARTMENTS]:
        if seed_plan(department, rng=ctx.random(f"plan-{department.slug}"), company_goal=company_goal):
            made += 1
    return f"{made} game plans"
