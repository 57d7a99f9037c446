"""The game plan in search: a department's plan (name, theme, mission, principles) and its goals, for its readers."""

from django.urls import reverse

from apps.search.registry import DocumentData, Group, SearchKind, register

from .models import Goal, Plan

PLANS = Group("plans", "Game plans")


def _plan_document(plan: Plan) -> DocumentData | None:
    text = "\n".join(filter(None, [plan.theme, plan.mission, plan.principles]))
    if not (plan.name or text):  # every department has a plan, empty until edited: nothing to find
        return None
    department = plan.department
    return DocumentData(
        object_id=plan.pk,
        title=plan.name or f"Game plan of {department.name}",
        body=text,
        url=reverse("plans:plan", args=[department.slug]),
        created_at=plan.updated_at,
        department_id=plan.department_id,
    )


def _goal_document(goal: Goal) -> DocumentData:
    return DocumentData(
        object_id=goal.pk,
        title=goal.title,
        body=goal.description,
        url=goal.get_absolute_url(),
        created_at=goal.created_at,
        department_id=goal.plan.department_id,
        author_id=goal.owner_id,
    )


register(
    SearchKind(
        name="plan",
        label="Game plan",
        group=PLANS,
        model=Plan,
        queryset=lambda: Plan.objects.select_related("department"),
        document=_plan_document,
        fields=frozenset({"name", "theme", "mission", "principles"}),
    )
)
register(
    SearchKind(
        name="goal",
        label="Goal",
        group=PLANS,
        model=Goal,
        queryset=lambda: Goal.objects.select_related("plan"),
        document=_goal_document,
        fields=frozenset({"title", "description", "owner"}),
    )
)
