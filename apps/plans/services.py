"""Every write to a game plan: authorise through `access`, validate, write in a transaction, publish after commit.

`acting_user=None` is the system (seed_demo, the worker). Each change to the plan's text,
goals, roles or routines makes a new `PlanVersion`, so the history says who changed what
and when, and followers are told.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import record_content_deletion
from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.core.ids import parse_id
from apps.core.markdown import markdown_to_clean_html
from apps.departments.access import (
    access_department_content,
    can_read,
    read_by_every_reader_of,
    readers_among,
    readers_of,
)
from apps.departments.models import Department
from apps.notifications.services import notify
from apps.realtime.topics import publish

from . import access
from .events import GoalProgressEvent, PlanVersionEvent, SlotStatusEvent
from .models import (
    CADENCE_DAYS,
    Cadence,
    CalendarFeed,
    CheckIn,
    Goal,
    GoalLink,
    GoalVideo,
    Plan,
    PlanVersion,
    Review,
    Role,
    Routine,
    RoutineDone,
    Slot,
)
from .progress import standing

MAX_VALUE = Decimal("999999999999.99")
SLOT_REMINDER_DAYS = 3  # owners hear of a slot this many days before it is due


def plan_url(department: Department) -> str:
    return reverse("plans:plan", args=[department.slug])


def plan_of(department: Department) -> Plan:
    """The department's plan, made on first use (every department has one, empty until edited)."""
    plan, _ = Plan.objects.get_or_create(department=department)
    plan.department = department
    return plan


# --- The plan's text and its versions


def plan_as_text(plan: Plan) -> str:
    """The whole plan as lines a person reads in a diff: text, goals, roles, routines."""
    lines = [f"# {plan.name or 'Game plan'}", f"Theme: {plan.theme}", f"Reviews: {plan.get_review_period_display()}"]
    lines += ["", "## Mission", *plan.mission.splitlines(), "", "## Principles", *plan.principles.splitlines()]
    lines += ["", "## Goals"]
    for goal in plan.goals.select_related("owner").order_by("pk"):
        owner = goal.owner.display_name if goal.owner else "nobody"
        lines.append(
            f"- {goal.title}: from {goal.baseline} to {goal.target} {goal.unit} ({goal.get_direction_display()}), "
            f"{goal.starts_on} to {goal.due_on}, owner {owner}, check-ins {goal.get_cadence_display().lower()}"
        )
    lines += ["", "## Roles"]
    for role in plan.roles.prefetch_related("holders").order_by("pk"):
        holders = ", ".join(sorted(u.display_name for u in role.holders.all())) or "nobody yet"
        lines.append(f"- {role.name} ({holders}): {role.duties}")
    lines += ["", "## Routines"]
    for routine in plan.routines.select_related("owner").order_by("pk"):
        lines.append(f"- {routine.title}: {routine.get_cadence_display().lower()}, {routine.owner.display_name}")
    return "\n".join(lines)


def _new_version(plan: Plan, acting_user: User | None, summary: str) -> PlanVersion:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    plan.version += 1
    plan.save(update_fields=["version", "updated_at"])
    version = PlanVersion.objects.create(
        plan=plan, number=plan.version, summary=summary[:300], body=plan_as_text(plan), created_by=acting_user
    )
    department = Department.objects.get(pk=plan.department_id)
    followers = list(plan.followers.all())
    if followers:
        notify(
            recipients=followers,
            kind="plan",
            title=f"The game plan of {department.name} changed: {summary}"[:300],
            url=reverse("plans:history", args=[department.slug]),
            actor=acting_user,
            department=department,
        )
    event: PlanVersionEvent = {
        "type": "plan.version",
        "plan": department.pk,
        "version": version.number,
        "summary": version.summary,
    }
    publish(access.PLAN_TOPIC, department.pk, dict(event))
    return version


def plan_update(
    *,
    acting_user: User | None,
    department: Department,
    name: str,
    theme: str,
    mission: str,
    principles: str,
    review_period: str,
    summary: str = "",
) -> Plan:
    """Edit the programme's name, theme, mission and principles (markdown, sanitised)."""
    if acting_user is not None:
        department = access_department_content(acting_user, department.pk)
        access.require_edit(acting_user, department)
    errors = {}
    if review_period not in Plan.ReviewPeriod.values:
        errors["review_period"] = "Choose monthly or quarterly reviews."
    for field, value, limit in (
        ("name", name, 120),
        ("theme", theme, 200),
        ("mission", mission, 10_000),
        ("principles", principles, 10_000),
        ("summary", summary, 300),
    ):
        if len(value) > limit:
            errors[field] = f"At most {limit} characters."
    if errors:
        raise Invalid.fields(errors)
    with transaction.atomic():
        plan = plan_of(department)
        plan.name, plan.theme, plan.review_period = name.strip(), theme.strip(), review_period
        plan.mission, plan.mission_html = mission, markdown_to_clean_html(mission)
        plan.principles, plan.principles_html = principles, markdown_to_clean_html(principles)
        plan.save()
        _new_version(plan, acting_user, summary.strip() or "Mission and principles edited")
    return plan


def plan_follow(*, acting_user: User, department: Department, follow: bool = True) -> bool:
    """Follow (or stop following) a plan: followers are notified of every new version."""
    department = access_department_content(acting_user, department.pk)
    with transaction.atomic():
        plan = plan_of(department)
        if follow:
            plan.followers.add(acting_user)
        else:
            plan.followers.remove(acting_user)
    return follow


# --- Goals


def _decimal(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and abs(value) <= MAX_VALUE else None


def _date(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


SMART_MESSAGES = {
    "title": "Specific: give the goal a title that says what will change.",
    "description": "Specific: describe what exactly the goal is about.",
    "unit": "Measurable: say what is counted (the unit).",
    "baseline": "Measurable: give the value today (the baseline), as a number.",
    "target": "Measurable: give the value to reach (the target), as a number.",
    "owner": "Achievable: name an owner who is a member of the department and answers for the goal.",
    "relevant": "Relevant: say that the goal serves the mission, or link the company-wide goal it serves.",
    "starts_on": "Time-bound: give a start date.",
    "due_on": "Time-bound: give a due date after the start date.",
}


def check_smart(department: Department, data: dict, *, acting_user: User | None = None) -> tuple[dict, dict]:
    """(clean values, errors by field): each refusal names the SMART letter that is missing.

    `measured_video`: the goal's value is then the share (%) of the department's members who
    completed that video (a video `acting_user` watches, of the department or of All staff).
    """
    errors: dict[str, str] = {}
    title, description = str(data.get("title") or "").strip(), str(data.get("description") or "").strip()
    unit = str(data.get("unit") or "").strip()
    measured_video = None
    if data.get("measured_video") not in (None, ""):
        try:
            measured_video = goal_video(acting_user, department, data["measured_video"])
        except (Invalid, NotFound) as refused:
            errors["measured_video"] = f"Measurable: {refused.detail}"
        else:
            unit = unit or "% of members"
    if len(title) < 5 or len(title) > 150:
        errors["title"] = SMART_MESSAGES["title"]
    if not description or len(description) > 10_000:
        errors["description"] = SMART_MESSAGES["description"]
    if not unit or len(unit) > 40:
        errors["unit"] = SMART_MESSAGES["unit"]
    baseline, target = _decimal(data.get("baseline")), _decimal(data.get("target"))
    direction = data.get("direction") or Goal.Direction.UP
    if direction not in Goal.Direction.values:
        errors["direction"] = "Measurable: choose whether higher or lower is better."
    if baseline is None:
        errors["baseline"] = SMART_MESSAGES["baseline"]
    if target is None:
        errors["target"] = SMART_MESSAGES["target"]
    elif baseline is not None:
        if target == baseline:
            errors["target"] = "Measurable: the target must differ from the baseline."
        elif direction == Goal.Direction.UP and target < baseline:
            errors["target"] = "Measurable: when higher is better, the target must be above the baseline."
        elif direction == Goal.Direction.DOWN and target > baseline:
            errors["target"] = "Measurable: when lower is better, the target must be below the baseline."
        elif measured_video is not None and not (0 <= baseline <= 100 and 0 <= target <= 100):
            errors["target"] = "Measurable: a share of members who watched is between 0 and 100 (%)."
    owner = None
    owner_id = data.get("owner")
    if isinstance(owner_id, User):
        owner_id = owner_id.pk
    if (owner_pk := parse_id(owner_id)) is not None:
        owner = User.objects.filter(pk=owner_pk, is_active=True).first()
    # readers_among, not can_read: `department` carries the acting user's role (with_role_of), not the owner's.
    if owner is None or not readers_among(department, [owner.pk]):
        errors["owner"] = SMART_MESSAGES["owner"]
    serves_mission = bool(data.get("serves_mission"))
    parent = None
    parent_id = data.get("parent")
    if parent_id not in (None, ""):
        if (parent_pk := parse_id(parent_id)) is not None:
            parent = Goal.objects.filter(pk=parent_pk, plan__department__is_company_wide=True).first()
        if parent is None or parent.plan.department_id == department.pk:
            errors["parent"] = "Relevant: a goal rolls up into a goal of All staff."
            parent = None
    if not serves_mission and parent is None and "parent" not in errors:
        errors["serves_mission"] = SMART_MESSAGES["relevant"]
    starts_on, due_on = _date(data.get("starts_on")), _date(data.get("due_on"))
    if starts_on is None:
        errors["starts_on"] = SMART_MESSAGES["starts_on"]
    if due_on is None or (starts_on is not None and due_on <= starts_on):
        errors["due_on"] = SMART_MESSAGES["due_on"]
    cadence = data.get("cadence") or Cadence.MONTHLY
    if cadence not in Cadence.values:
        errors["cadence"] = "Choose weekly, fortnightly or monthly check-ins."
    clean = {
        "title": title,
        "description": description,
        "unit": unit,
        "baseline": baseline,
        "target": target,
        "direction": direction,
        "owner": owner,
        "serves_mission": serves_mission,
        "parent": parent,
        "starts_on": starts_on,
        "due_on": due_on,
        "cadence": cadence,
        "measured_video": measured_video,
    }
    return clean, errors


def goal_create(*, acting_user: User | None, department: Department, data: dict, idea=None) -> Goal:
    """A SMART goal, or `Invalid` with a field error per missing letter."""
    if acting_user is not None:
        department = access_department_content(acting_user, department.pk)
        access.require_edit(acting_user, department)
    clean, errors = check_smart(department, data, acting_user=acting_user)
    if errors:
        raise Invalid.fields(errors, code="not_smart")
    with transaction.atomic():
        plan = plan_of(department)
        goal = Goal.objects.create(plan=plan, idea=idea, **clean)
        _new_version(plan, acting_user, f"Goal added: {goal.title}")
        goal_measure(goal, publish_change=False)
    _publish_goal(goal)
    return goal


def goal_update(*, acting_user: User, goal: Goal, data: dict) -> Goal:
    goal = access.access_goal(acting_user, goal.pk)
    department = goal.plan.department
    access.require_edit(acting_user, department)
    clean, errors = check_smart(department, data, acting_user=acting_user)
    if errors:
        raise Invalid.fields(errors, code="not_smart")
    with transaction.atomic():
        for field, value in clean.items():
            setattr(goal, field, value)
        goal.save()
        _new_version(goal.plan, acting_user, f"Goal changed: {goal.title}")
        goal_measure(goal, publish_change=False)
    _publish_goal(goal)
    return goal


def goal_delete(*, acting_user: User, goal: Goal) -> PlanVersion:
    """Remove a goal from the plan (managers), as a new version of the plan, and audited.

    What goes with it: its check-ins (its readings, shown nowhere else), its tags on posts
    (the posts stay) and its video links; an idea it was promoted from is free again; past
    reviews keep their figures as written. A company-wide goal that other departments'
    goals roll up into is refused (`Conflict`): removing it would leave their goals without
    the R of SMART, and only their own managers may change those.
    """
    goal = access.access_goal(acting_user, goal.pk)
    department = goal.plan.department
    access.require_edit(acting_user, department)
    with transaction.atomic():
        goal = Goal.objects.select_for_update().select_related("plan").get(pk=goal.pk)
        # The count only: the goals themselves belong to departments the manager may not read.
        if children := goal.children.count():
            raise Conflict(
                "rolled_up_into",
                f"{children} goal{'s' if children > 1 else ''} of other departments roll{'' if children > 1 else 's'} "
                "up into this goal: their managers must link them elsewhere before it can be removed.",
            )
        check_ins = goal.check_ins.count()
        title, goal_id = goal.title, goal.pk
        goal.delete()
        record_content_deletion(
            actor=acting_user,
            kind="plan_goal",
            object_id=goal_id,
            author_id=None,
            department_id=department.pk,
            check_ins=check_ins,
        )
        return _new_version(goal.plan, acting_user, f"Goal removed: {title}")


def goal_standing(goal: Goal, *, today: date | None = None):
    return standing(
        value=goal.current_value,
        baseline=goal.baseline,
        target=goal.target,
        starts_on=goal.starts_on,
        due_on=goal.due_on,
        today=today or timezone.localdate(),
    )


def _publish_goal(goal: Goal) -> None:
    now = goal_standing(goal)
    event: GoalProgressEvent = {
        "type": "plan.goal",
        "plan": goal.plan.department_id,
        "goal": goal.pk,
        "value": None if goal.current_value is None else f"{goal.current_value:f}",
        "percent": now.percent,
        "status": now.status,
        "status_label": now.status_label,
    }
    publish(access.PLAN_TOPIC, goal.plan.department_id, dict(event))


def _internal_link(raw: str, field: str) -> str:
    link = (raw or "").strip()
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > 300 or " " in link):
        raise Invalid.field(field, "Evidence is a link inside the intranet, such as /feed/posts/12/.")
    return link


def _measured_by_video(goal: Goal) -> bool:
    """Its value comes from a video's completions (a video since deleted leaves it to be entered by hand)."""
    from apps.videos.models import Video

    return (
        goal.measured_video_id is not None
        and Video.objects.filter(pk=goal.measured_video_id, deleted_at__isnull=True).exists()
    )


def check_in_record(
    *, acting_user: User | None, goal: Goal, value: object, on: object = None, comment: str = "", evidence_url: str = ""
) -> CheckIn:
    """The owner's (or a manager's) reading of the goal's metric on a date."""
    if acting_user is not None:
        goal = access.access_goal(acting_user, goal.pk)
        if not access.can_check_in(acting_user, goal):
            raise Forbidden("forbidden", "Only the goal's owner and the managers record check-ins.")
        if _measured_by_video(goal):
            raise Invalid("measured_goal", "This goal is measured from video completions: its value is computed.")
    errors = {}
    number = _decimal(value)
    if number is None:
        errors["value"] = "Give the value measured, as a number."
    day = timezone.localdate() if on in (None, "") else _date(on)
    if day is None or day > timezone.localdate():
        errors["on"] = "Give the date of the measurement (today or earlier)."
    if len(comment) > 500:
        errors["comment"] = "At most 500 characters."
    if errors:
        raise Invalid.fields(errors)
    link = _internal_link(evidence_url, "evidence_url")
    with transaction.atomic():
        check_in = CheckIn.objects.create(
            goal=goal, value=number, on=day, comment=comment.strip(), evidence_url=link, author=acting_user
        )
        latest = goal.check_ins.order_by("-on", "-pk").first()
        goal.current_value, goal.last_check_in_on = latest.value, latest.on
        goal.save(update_fields=["current_value", "last_check_in_on"])
    _publish_goal(goal)
    return check_in


def goal_link_post(*, acting_user: User, goal: Goal, post_id: object) -> GoalLink:
    """Tag a post of the goal's department with the goal it advances (its author or a manager)."""
    from apps.feed.access import access_post

    goal = access.access_goal(acting_user, goal.pk)
    post = access_post(acting_user, post_id)
    if post.department_id != goal.plan.department_id:
        raise Invalid.field("post", "Tag a post of the goal's own department.")
    if post.author_id != acting_user.pk and not access.can_edit_plan(acting_user, goal.plan.department):
        raise Forbidden("forbidden", "Only the post's author and the managers tag it with a goal.")
    link, _ = GoalLink.objects.get_or_create(goal=goal, post=post)
    return link


# --- Videos: linked to goals and slots, and their completions as a goal's metric


def goal_video(acting_user: User | None, department: Department, video_id: object):
    """A video to link to (or measure) a part of `department`'s plan: one `acting_user` watches (the
    department rule, through `apps.videos.access`), of the department itself or of All staff, so that
    everyone who reads the plan can watch it too. `acting_user=None` is the system."""
    from apps.videos.access import access_video
    from apps.videos.models import Video

    if acting_user is not None:
        video = access_video(acting_user, video_id)
    else:
        pk = parse_id(video_id)
        video = (
            Video.objects.filter(pk=pk, deleted_at__isnull=True).select_related("department").first() if pk else None
        )
        if video is None:
            raise NotFound("unknown_video", "There is no such video, or you do not have access to it.")
    if not read_by_every_reader_of(video.department, department):
        raise Invalid.field("video", "Choose a video of this department or of All staff, which its members can watch.")
    return video


def completion_share(video, department: Department) -> tuple[int, int]:
    """(members of `department` who completed `video`, members): from the completion records (two queries)."""
    from apps.videos.models import WatchProgress

    readers = readers_of(department)
    completed = WatchProgress.objects.filter(video=video, completed_at__isnull=False, user__in=readers.values("pk"))
    return completed.count(), readers.count()


def goal_measure(goal: Goal, *, today: date | None = None, publish_change: bool = True) -> CheckIn | None:
    """Record a video-measured goal's value today (one computed check-in a day, updated when re-measured).

    Nothing for a goal measured by hand, a deleted video, or outside the goal's dates.
    """
    from apps.videos.models import Video

    if goal.measured_video_id is None:
        return None
    today = today or timezone.localdate()
    video = Video.objects.filter(pk=goal.measured_video_id, deleted_at__isnull=True).first()
    if video is None or not goal.starts_on <= today <= goal.due_on:
        return None
    department = Department.objects.get(pk=goal.plan.department_id)
    completed, members = completion_share(video, department)
    value = (Decimal(100 * completed) / members).quantize(Decimal("0.01")) if members else Decimal(0)
    comment = f"Computed from completion records: {completed} of {members} members watched “{video.title}”."[:500]
    with transaction.atomic():
        check_in = CheckIn.objects.filter(goal=goal, on=today, author__isnull=True).first()
        changed = check_in is None or check_in.value != value
        if check_in is None:
            check_in = CheckIn(goal=goal, on=today, author=None)
        check_in.value, check_in.comment = value, comment
        check_in.evidence_url = reverse("videos:detail", args=[video.pk])
        check_in.save()
        latest = goal.check_ins.order_by("-on", "-pk").first()
        goal.current_value, goal.last_check_in_on = latest.value, latest.on
        goal.save(update_fields=["current_value", "last_check_in_on"])
        if changed and publish_change:
            _publish_goal(goal)
    return check_in


def measure_video_goals(*, today: date | None = None) -> int:
    """Re-measure every running goal measured from video completions (the worker, hourly)."""
    today = today or timezone.localdate()
    goals = Goal.objects.filter(measured_video__isnull=False, starts_on__lte=today, due_on__gte=today)
    return sum(goal_measure(goal, today=today) is not None for goal in goals.select_related("plan"))


def goal_link_video(*, acting_user: User, goal: Goal, video_id: object) -> GoalVideo:
    """List a video under the goal it advances (the goal's owner, a manager, or the video's uploader)."""
    goal = access.access_goal(acting_user, goal.pk)
    video = goal_video(acting_user, goal.plan.department, video_id)
    if not (access.can_check_in(acting_user, goal) or video.uploader_id == acting_user.pk):
        raise Forbidden("forbidden", "Only the goal's owner, the managers and the video's uploader link it.")
    link, _ = GoalVideo.objects.get_or_create(goal=goal, video=video)
    return link


def slot_link_video(*, acting_user: User, slot: Slot, video_id: object) -> Slot:
    """Fill a video slot with its video: the slot is then published (unless it is further along)."""
    slot = access.access_slot(acting_user, slot.pk)
    if not access.can_move_slot(acting_user, slot):
        raise Forbidden("forbidden", "Only the slot's owner and the managers fill it.")
    if slot.channel != Slot.Channel.VIDEO:
        raise Invalid("wrong_channel", "Only a video slot is filled with a video.")
    video = goal_video(acting_user, slot.plan.department, video_id)
    with transaction.atomic():
        slot.video = video
        if slot.status in (Slot.Status.IDEA, Slot.Status.DRAFT, Slot.Status.SCHEDULED):
            slot.status = Slot.Status.PUBLISHED
        slot.save(update_fields=["video", "status"])
        _publish_slot(slot)
    return slot


def idea_promote(*, acting_user: User, idea_id: object, data: dict) -> Goal:
    """Turn an idea of the department's board into a goal; the idea says so and its voters are told."""
    from apps.voting.access import access_idea

    idea = access_idea(acting_user, idea_id)
    access.require_edit(acting_user, idea.department)
    if Goal.objects.filter(idea=idea).exists():
        raise Conflict("already_a_goal", "This idea already became a goal.")
    data = {"title": idea.title, "description": idea.description or idea.title, **data}
    with transaction.atomic():
        goal = goal_create(acting_user=acting_user, department=idea.department, data=data, idea=idea)
        voters = User.objects.filter(idea_votes__idea=idea)
        notify(
            recipients=list(voters),
            kind="plan",
            title=f"An idea you voted for became a goal: {goal.title}"[:300],
            url=goal.get_absolute_url(),
            actor=acting_user,
            department=idea.department,
        )
    return goal


# --- Roles and routines


def _members(department: Department, ids) -> list[User]:
    parsed = [parse_id(pk) for pk in ids]
    wanted = {pk for pk in parsed if pk is not None}
    found = readers_among(department, wanted)
    if None in parsed or found != wanted:
        raise Invalid.field("holders", "Every holder must be a member of the department.")
    return list(User.objects.filter(pk__in=found))


def role_save(
    *, acting_user: User | None, department: Department, name: str, duties: str, holder_ids, role: Role | None = None
) -> Role:
    if acting_user is not None:
        department = access_department_content(acting_user, department.pk)
        access.require_edit(acting_user, department)
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid.field("name", "Give the role a name (at most 100 characters).")
    if len(duties) > 2000:
        raise Invalid.field("duties", "At most 2000 characters.")
    holders = _members(department, holder_ids)
    with transaction.atomic():
        plan = plan_of(department)
        if role is None:
            role = Role.objects.create(plan=plan, name=name, duties=duties.strip())
        else:
            role = Role.objects.get(pk=role.pk, plan=plan)
            role.name, role.duties = name, duties.strip()
            role.save()
        role.holders.set(holders)
        _new_version(plan, acting_user, f"Role: {role.name}")
    return role


def role_delete(*, acting_user: User, role: Role) -> PlanVersion:
    """Remove a role (managers): its holders simply no longer hold it; a new version, audited."""
    role = access.access_role(acting_user, role.pk)
    department = role.plan.department
    access.require_edit(acting_user, department)
    with transaction.atomic():
        name, role_id = role.name, role.pk
        role.delete()
        record_content_deletion(
            actor=acting_user, kind="plan_role", object_id=role_id, author_id=None, department_id=department.pk
        )
        return _new_version(role.plan, acting_user, f"Role removed: {name}")


def _routine_fields(department: Department, title: str, owner_id: object, cadence: str) -> tuple[str, User, str]:
    errors = {}
    title = title.strip()
    if not title or len(title) > 200:
        errors["title"] = "Say what is done (at most 200 characters)."
    if cadence not in Cadence.values:
        errors["cadence"] = "Choose weekly, fortnightly or monthly."
    owner = None
    if (owner_pk := parse_id(owner_id)) is not None and readers_among(department, [owner_pk]):
        owner = User.objects.get(pk=owner_pk)
    if owner is None:
        errors["owner"] = "The owner must be a member of the department."
    if errors:
        raise Invalid.fields(errors)
    return title, owner, cadence


def routine_create(
    *, acting_user: User | None, department: Department, title: str, owner_id: object, cadence: str
) -> Routine:
    if acting_user is not None:
        department = access_department_content(acting_user, department.pk)
        access.require_edit(acting_user, department)
    title, owner, cadence = _routine_fields(department, title, owner_id, cadence)
    with transaction.atomic():
        plan = plan_of(department)
        routine = Routine.objects.create(plan=plan, title=title, owner=owner, cadence=cadence)
        _new_version(plan, acting_user, f"Routine added: {routine.title}")
    return routine


def routine_update(*, acting_user: User, routine: Routine, title: str, owner_id: object, cadence: str) -> Routine:
    """Change a routine (managers). Periods already marked done stay done; a new owner is reminded afresh."""
    routine = access.access_routine(acting_user, routine.pk)
    department = routine.plan.department
    access.require_edit(acting_user, department)
    title, owner, cadence = _routine_fields(department, title, owner_id, cadence)
    with transaction.atomic():
        if owner.pk != routine.owner_id or cadence != routine.cadence:
            routine.reminded_for = None
        routine.title, routine.owner, routine.cadence = title, owner, cadence
        routine.save()
        _new_version(routine.plan, acting_user, f"Routine changed: {title}")
    return routine


def routine_delete(*, acting_user: User, routine: Routine) -> PlanVersion:
    """Remove a routine (managers) with its record of periods done; a new version, audited."""
    routine = access.access_routine(acting_user, routine.pk)
    department = routine.plan.department
    access.require_edit(acting_user, department)
    with transaction.atomic():
        title, routine_id = routine.title, routine.pk
        routine.delete()
        record_content_deletion(
            actor=acting_user, kind="plan_routine", object_id=routine_id, author_id=None, department_id=department.pk
        )
        return _new_version(routine.plan, acting_user, f"Routine removed: {title}")


def period_start(cadence: str, day: date) -> date:
    """The first day of the period `day` falls in: its week's Monday, an even week's Monday, its month's 1st."""
    if cadence == Cadence.MONTHLY:
        return day.replace(day=1)
    monday = day - timedelta(days=day.weekday())
    if cadence == Cadence.FORTNIGHTLY and monday.isocalendar().week % 2 == 0:
        monday -= timedelta(days=7)
    return monday


def routine_mark_done(*, acting_user: User, routine: Routine, evidence_url: str = "") -> RoutineDone:
    routine = access.access_routine(acting_user, routine.pk)
    if not access.can_mark_routine(acting_user, routine):
        raise Forbidden("forbidden", "Only the routine's owner and the managers mark it done.")
    link = _internal_link(evidence_url, "evidence_url")
    start = period_start(routine.cadence, timezone.localdate())
    done, created = RoutineDone.objects.get_or_create(
        routine=routine, period_start=start, defaults={"evidence_url": link, "done_by": acting_user}
    )
    if not created:
        raise Conflict("already_done", "This routine is already marked done for this period.")
    return done


# --- Reviews


def idea_statuses_at(department: Department, moment: datetime) -> dict[str, int]:
    """How many of the board's ideas stood in each status at `moment`, from their status history (one query).

    An idea's status then is the new status of its last change before `moment`; with no change
    before it, the old status of its first change after (what it was created with); with no
    change at all, its status now. Ideas created after `moment` are not counted, merged ones are.
    """
    from apps.voting.models import Idea, IdeaStatusChange

    changes = IdeaStatusChange.objects.filter(idea=OuterRef("pk"))
    before = changes.filter(created_at__lt=moment).order_by("-created_at", "-pk").values("new_status")[:1]
    after = changes.filter(created_at__gte=moment).order_by("created_at", "pk").values("old_status")[:1]
    rows = (
        Idea.objects.filter(department=department, created_at__lt=moment)
        .annotate(then=Coalesce(Subquery(before), Subquery(after), F("status")))
        .values("then")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {row["then"]: row["count"] for row in rows}
    return {label: counts[value] for value, label in Idea.Status.choices if value in counts}


def review_figures(department: Department, start: date, end: date) -> dict:
    """What a review pulls in: each goal's progress over the period and the department's activity, aggregated."""
    from apps.chat.models import Message
    from apps.feed.models import Comment, Post, Reaction
    from apps.videos.models import WatchProgress
    from apps.voting.models import Idea

    tz = timezone.get_current_timezone()
    since, until = datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1), time.min, tz)
    posts = Post.objects.filter(
        department=department, deleted_at__isnull=True, published_at__gte=since, published_at__lt=until
    )
    ideas = Idea.objects.filter(department=department, created_at__gte=since, created_at__lt=until)
    statuses = idea_statuses_at(department, until)
    goals = []
    plan = plan_of(department)
    for goal in plan.goals.all():
        readings = list(goal.check_ins.filter(on__lte=end).order_by("on", "pk").values_list("on", "value"))
        before = [v for d, v in readings if d < start]
        during = [v for d, v in readings if start <= d <= end]
        at_end = standing(
            value=readings[-1][1] if readings else None,
            baseline=goal.baseline,
            target=goal.target,
            starts_on=goal.starts_on,
            due_on=goal.due_on,
            today=end,
        )
        at_start = standing(
            value=before[-1] if before else None,
            baseline=goal.baseline,
            target=goal.target,
            starts_on=goal.starts_on,
            due_on=goal.due_on,
            today=start,
        )
        goals.append(
            {
                "id": goal.pk,
                "title": goal.title,
                "from_percent": at_start.percent,
                "to_percent": at_end.percent,
                "status": at_end.status_label,
                "check_ins": len(during),
            }
        )
    return {
        "goals": goals,
        "activity": {
            "posts": posts.count(),
            "comments": Comment.objects.filter(
                post__department=department, deleted_at__isnull=True, created_at__gte=since, created_at__lt=until
            ).count(),
            "reactions": Reaction.objects.filter(
                post__department=department, created_at__gte=since, created_at__lt=until
            ).count(),
            "ideas": ideas.count(),
            "video_completions": WatchProgress.objects.filter(
                video__department=department, completed_at__gte=since, completed_at__lt=until
            ).count(),
            "idea_statuses": statuses,
            "chat_messages": Message.objects.filter(
                room__department=department, deleted_at__isnull=True, created_at__gte=since, created_at__lt=until
            ).count(),
        },
    }


def review_period_of(plan: Plan, today: date) -> tuple[date, date]:
    """The last complete period before `today`: the previous month or quarter."""
    this_month = today.replace(day=1)
    if plan.review_period == Plan.ReviewPeriod.QUARTERLY:
        quarter_start = this_month.replace(month=3 * ((this_month.month - 1) // 3) + 1)
        end = quarter_start - timedelta(days=1)
        return end.replace(day=1, month=3 * ((end.month - 1) // 3) + 1), end
    end = this_month - timedelta(days=1)
    return end.replace(day=1), end


def review_create(
    *,
    acting_user: User | None,
    department: Department,
    worked: str,
    changes: str,
    proposals: list | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Review:
    """A results review of the last period, with the figures pulled in at writing time (they stay as they were)."""
    if acting_user is not None:
        department = access_department_content(acting_user, department.pk)
        access.require_edit(acting_user, department)
    plan = plan_of(department)
    if start is None or end is None:
        start, end = review_period_of(plan, timezone.localdate())
    if len(worked) > 10_000 or len(changes) > 10_000:
        raise Invalid.field("worked", "At most 10,000 characters each.")
    clean_proposals = []
    goal_ids = set(plan.goals.values_list("pk", flat=True))
    for item in proposals or []:
        goal_id = item.get("goal") if isinstance(item, dict) else None
        target = _decimal(item.get("target")) if isinstance(item, dict) else None
        if goal_id not in goal_ids or target is None:
            raise Invalid.field("proposals", "Each proposal names a goal of this plan and a new target number.")
        clean_proposals.append({"goal": goal_id, "target": f"{target:f}"})
    return Review.objects.create(
        plan=plan,
        period_start=start,
        period_end=end,
        figures=review_figures(department, start, end),
        worked=worked,
        worked_html=markdown_to_clean_html(worked),
        changes=changes,
        changes_html=markdown_to_clean_html(changes),
        proposals=clean_proposals,
        author=acting_user,
    )


def review_accept(*, acting_user: User, review: Review) -> PlanVersion:
    """Apply a review's proposed targets to the goals, as a new version of the plan."""
    review = access.access_review(acting_user, review.pk)
    access.require_edit(acting_user, review.plan.department)
    if review.accepted_at is not None:
        raise Conflict("already_accepted", "This review's proposals were already accepted.")
    if not review.proposals:
        raise Invalid("no_proposals", "This review proposes no change to the goals.")
    with transaction.atomic():
        for item in review.proposals:
            goal = Goal.objects.select_for_update().filter(pk=item["goal"], plan=review.plan).first()
            if goal is None:
                continue
            target = Decimal(item["target"])
            if target == goal.baseline:
                raise Invalid("not_smart", f"The new target of “{goal.title}” equals its baseline.")
            goal.target = target
            goal.direction = Goal.Direction.UP if target > goal.baseline else Goal.Direction.DOWN
            goal.save(update_fields=["target", "direction"])
        review.accepted_at = timezone.now()
        review.save(update_fields=["accepted_at"])
        return _new_version(review.plan, acting_user, f"Review of {review.period_start:%B %Y} accepted")


# --- The content plan


def slot_create(
    *,
    acting_user: User | None,
    department: Department,
    on: object,
    channel: str,
    theme: str,
    owner_id: object,
    status: str = Slot.Status.IDEA,
    company_wide: bool = False,
) -> Slot:
    if acting_user is not None:
        department = access_department_content(acting_user, department.pk)
        access.require_edit(acting_user, department)
    errors = {}
    day = _date(on)
    if day is None:
        errors["on"] = "Give the date the item comes out."
    if channel not in Slot.Channel.values:
        errors["channel"] = "Choose a channel: feed post, announcement, video or chat event."
    if status not in Slot.Status.values:
        errors["status"] = "Choose a status."
    theme = theme.strip()
    if not theme or len(theme) > 200:
        errors["theme"] = "Give the item's theme (at most 200 characters)."
    owner = None
    if (owner_pk := parse_id(owner_id)) is not None and readers_among(department, [owner_pk]):
        owner = User.objects.get(pk=owner_pk)
    if owner is None:
        errors["owner"] = "The owner must be a member of the department."
    if errors:
        raise Invalid.fields(errors)
    with transaction.atomic():
        return Slot.objects.create(
            plan=plan_of(department),
            on=day,
            channel=channel,
            theme=theme,
            owner=owner,
            status=status,
            company_wide=bool(company_wide) or department.is_company_wide,
        )


def slot_set_status(*, acting_user: User, slot: Slot, status: str) -> Slot:
    slot = access.access_slot(acting_user, slot.pk)
    if not access.can_move_slot(acting_user, slot):
        raise Forbidden("forbidden", "Only the slot's owner and the managers move it along.")
    if status not in Slot.Status.values:
        raise Invalid.field("status", "Choose a status.")
    with transaction.atomic():
        slot.status = status
        slot.save(update_fields=["status"])
        _publish_slot(slot)
    return slot


def _publish_slot(slot: Slot) -> None:
    """Tell the plan's readers where a slot stands (sent after commit, like every plan frame)."""
    event: SlotStatusEvent = {
        "type": "plan.slot",
        "plan": slot.plan.department_id,
        "slot": slot.pk,
        "on": slot.on.isoformat(),
        "theme": slot.theme,
        "status": slot.status,
        "status_label": slot.get_status_display(),
        "post": slot.post_id,
        "video": slot.video_id,
    }
    publish(access.PLAN_TOPIC, slot.plan.department_id, dict(event))


def slot_publish(*, acting_user: User, slot: Slot, body: str, confirm: bool = False):
    """Write the post that fills a feed-post or announcement slot; the slot is matched to it at once."""
    from apps.feed import services as feed

    slot = access.access_slot(acting_user, slot.pk)
    if not access.can_move_slot(acting_user, slot):
        raise Forbidden("forbidden", "Only the slot's owner and the managers fill it.")
    if slot.channel not in (Slot.Channel.POST, Slot.Channel.ANNOUNCEMENT):
        raise Invalid("wrong_channel", "Only feed posts and announcements are written from the plan.")
    if slot.post_id is not None:
        raise Conflict("already_filled", "This slot already has its post.")
    kind = "announcement" if slot.channel == Slot.Channel.ANNOUNCEMENT else "post"
    with transaction.atomic():
        post = feed.post_create(
            acting_user=acting_user, department=slot.plan.department, body=body, kind=kind, confirm=confirm
        )
        slot.post, slot.status = post, Slot.Status.PUBLISHED
        slot.save(update_fields=["post", "status"])
        _publish_slot(slot)
    return post


def clashes_for(slot: Slot) -> list[Slot]:
    """Other departments' company-wide items planned the same day (the clash a manager is warned about)."""
    if not slot.company_wide:
        return []
    return list(
        Slot.objects.filter(company_wide=True, on=slot.on)
        .exclude(plan__department_id=slot.plan.department_id)
        .select_related("plan__department")
    )


# --- The iCalendar address


def calendar_feed_reset(*, acting_user: User) -> CalendarFeed:
    """A new secret address for the person's calendar; the old one stops working at once."""
    CalendarFeed.objects.filter(user=acting_user).delete()
    return CalendarFeed.objects.create(user=acting_user)


def calendar_feed_revoke(*, acting_user: User) -> None:
    CalendarFeed.objects.filter(user=acting_user).delete()


def calendar_owner(secret: str) -> User | None:
    """Whose calendar this secret opens: an active person, or None (unknown, revoked, or deactivated)."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= 64:
        return None
    feed = CalendarFeed.objects.filter(secret=secret).select_related("user").first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


# --- Reminders (the worker)


def goal_check_in_due(goal: Goal, today: date) -> bool:
    if today < goal.starts_on or today > goal.due_on or goal.owner_id is None or goal.measured_video_id:
        return False
    last = goal.last_check_in_on or goal.starts_on
    return (today - last).days >= CADENCE_DAYS[goal.cadence]


def send_reminders(*, today: date | None = None) -> int:
    """Remind owners of check-ins due, routines not done this period, and slots due within 3 days (once each)."""
    today = today or timezone.localdate()
    sent = 0
    for goal in Goal.objects.filter(starts_on__lte=today, due_on__gte=today, owner__isnull=False).select_related(
        "owner", "plan__department"
    ):
        if goal_check_in_due(goal, today) and goal.reminded_on != today and can_read(goal.owner, goal.plan.department):
            notify(
                recipients=[goal.owner],
                kind="plan",
                title=f"A check-in is due: {goal.title}"[:300],
                url=goal.get_absolute_url(),
                department=goal.plan.department,
            )
            Goal.objects.filter(pk=goal.pk).update(reminded_on=today)
            sent += 1
    for routine in Routine.objects.select_related("owner", "plan__department"):
        start = period_start(routine.cadence, today)
        if routine.reminded_for == start or routine.done.filter(period_start=start).exists():
            continue
        notify(
            recipients=[routine.owner],
            kind="plan",
            title=f"Routine due: {routine.title}"[:300],
            url=plan_url(routine.plan.department),
            department=routine.plan.department,
        )
        Routine.objects.filter(pk=routine.pk).update(reminded_for=start)
        sent += 1
    upcoming = Slot.objects.filter(
        on__gte=today,
        on__lte=today + timedelta(days=SLOT_REMINDER_DAYS),
        reminded_at__isnull=True,
        status__in=[Slot.Status.IDEA, Slot.Status.DRAFT, Slot.Status.SCHEDULED],
    ).select_related("owner", "plan__department")
    for slot in upcoming:
        notify(
            recipients=[slot.owner],
            kind="plan",
            title=f"Due on {slot.on:%d %b}: {slot.theme}"[:300],
            url=reverse("plans:content", args=[slot.plan.department.slug]),
            department=slot.plan.department,
        )
        Slot.objects.filter(pk=slot.pk).update(reminded_at=timezone.now())
        sent += 1
    return sent
