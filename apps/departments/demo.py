"""Demo departments and memberships for `seed_demo`: alice manages Sales, with bob in it."""

from django.utils.text import slugify

from apps.accounts.models import User
from apps.core.demo import DemoContext, demo_step
from apps.core.markdown import render_markdown

from .models import Department, Membership
from .services import company_wide_department

DEPARTMENTS = [
    ("Sales", "Win and grow customer accounts.", "We help customers **succeed** with our products, honestly and fast."),
    ("HR", "People, hiring and well-being.", "Hire well, grow people, and keep the workplace fair and safe."),
    ("Customer Service", "Help customers every day.", "Every question answered within one business day."),
    ("Product", "What we build next, and why.", "Build the few things customers need most, *well*."),
    ("Engineering", "Build and run the platform.", "Ship small, safe changes every day."),
    ("Marketing", "Tell the story.", "Make sure the right people hear about us."),
    ("Finance", "Money in, money out.", "Close the books in five days; no surprises."),
    ("Operations", "Keep the lights on.", "Sites, equipment and suppliers that simply work."),
]


@demo_step("departments.departments")
def seed_departments(ctx: DemoContext) -> str:
    """All staff, then `--departments` departments: the named ones first, then numbered teams."""
    company_wide_department()
    ctx.departments = []
    for i in range(ctx.options["departments"]):
        if i < len(DEPARTMENTS):
            name, description, mission = DEPARTMENTS[i]
        else:
            name, description, mission = f"Team {i + 1}", f"Team number {i + 1}.", "Do great work together."
        department, _ = Department.objects.get_or_create(
            slug=slugify(name),
            defaults={"name": name, "description": description, "mission": mission,
                      "mission_html": render_markdown(mission)},
        )  # fmt: skip
        ctx.departments.append(department)
    return f"{len(ctx.departments)} departments (+ All staff)"


@demo_step("departments.memberships", after=["accounts.users", "departments.departments"])
def seed_memberships(ctx: DemoContext) -> None:
    """Everyone but the admin in one department, 15 % in a second one; one manager per department."""
    users, departments = ctx.users, ctx.departments
    rng = ctx.random("memberships")

    # Managers first, so that with ignore_conflicts their row wins over a member row;
    # alice manages the first department, with bob in it; the
    # first person placed in each other department manages that one.
    def manager_of(d: int) -> User:
        return users[2 + d] if d > 0 and 2 + d < len(users) else users[1]

    rows = [
        Membership(user=manager_of(d), department=department, role=Membership.Role.MANAGER)
        for d, department in enumerate(departments)
    ]
    for i, user in enumerate(users[1:], start=1):
        rows.append(Membership(user=user, department=departments[max(i - 2, 0) % len(departments)]))
        if rng.random() < 0.15 and len(departments) > 1:
            rows.append(Membership(user=user, department=rng.choice(departments)))
    Membership.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
