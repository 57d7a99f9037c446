"""Game plan pages: parse, authorise through `access`, call a service, render."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.errors import FORM_ERRORS, Forbidden, NotFound
from apps.core.forms import add_service_errors
from apps.core.ids import parse_id
from apps.departments.access import access_department_content, readable_department_ids
from apps.departments.models import Department

from . import access, ical, selectors, services
from .forms import (
    CheckInForm,
    GoalForm,
    PlanForm,
    ReviewForm,
    RoleForm,
    RoutineForm,
    SlotForm,
    member_choices,
    video_choices,
)
from .models import CalendarFeed, GoalLink, GoalVideo, PlanVersion, Slot
from .progress import RULE


def _plan_url(department: Department) -> str:
    return reverse("plans:plan", args=[department.slug])


def _form_page(
    request: HttpRequest,
    form: forms.Form,
    template: str,
    context: dict,
    *,
    save: Callable[[dict], Any],
    done: Callable[[Any], HttpResponse],
) -> HttpResponse:
    """The one shape of a plan form page: GET shows it; a valid POST calls `save`, then `done`.

    A service's refusal (`Invalid`, `Conflict`) is shown beside the fields it names, with a 400.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            return done(result)
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


def _to_goal(request: HttpRequest, goal, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(goal.get_absolute_url())


def _to_plan(request: HttpRequest, department: Department, section: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{_plan_url(department)}#{section}")


@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans I read: All staff's (the company strategy) first, then my departments'."""
    departments = Department.objects.filter(pk__in=readable_department_ids(request.user)).order_by(
        "-is_company_wide", "name"
    )
    return render(request, "plans/list.html", {"departments": departments})


@require_safe
def plan_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    context = selectors.plan_page(request.user, department)
    choices = member_choices(department) if context["can_edit"] else []
    return render(request, "plans/plan.html", {**context, "rule": RULE, "member_choices": choices})


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    access.require_edit(request.user, department)
    plan = selectors.plan_for_reading(department)
    initial = {f: getattr(plan, f) for f in ("name", "theme", "mission", "principles", "review_period")}

    def done(_plan) -> HttpResponse:
        messages.success(request, "The game plan was saved as a new version.")
        return redirect(_plan_url(department))

    return _form_page(
        request,
        PlanForm(request.POST or None, initial=initial),
        "plans/edit.html",
        {"department": department},
        save=lambda data: services.plan_update(acting_user=request.user, department=department, **data),
        done=done,
    )


@require_safe
def plan_history(request: HttpRequest, slug: str) -> HttpResponse:
    """Every version: who, when, what; and the diff between any two."""
    department = access_department_content(request.user, slug)
    plan = selectors.plan_for_reading(department)
    versions = list(PlanVersion.objects.filter(plan=plan).select_related("created_by")) if plan.pk else []
    by_number = {v.number: v for v in versions}
    new = by_number.get(parse_id(request.GET.get("to")) or 0) or (versions[0] if versions else None)
    default_old = by_number.get(new.number - 1) if new else None
    old = by_number.get(parse_id(request.GET.get("from")) or 0) or default_old
    lines = selectors.diff(old, new) if old and new else []
    return render(
        request,
        "plans/history.html",
        {"department": department, "versions": versions, "old": old, "new": new, "lines": lines},
    )


@require_POST
def plan_follow(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    follow = request.POST.get("follow") != "0"
    services.plan_follow(acting_user=request.user, department=department, follow=follow)
    messages.success(request, "You follow this game plan's changes." if follow else "You no longer follow it.")
    return redirect(_plan_url(department))


@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    access.require_edit(request.user, department)
    today = timezone.localdate()
    form = GoalForm(
        request.POST or None,
        department=department,
        user=request.user,
        initial={"starts_on": today, "due_on": today + timedelta(days=90), "serves_mission": True},
    )
    return _form_page(
        request,
        form,
        "plans/goal_form.html",
        {"department": department, "goal": None},
        save=lambda data: services.goal_create(acting_user=request.user, department=department, data=data),
        done=lambda goal: _to_goal(request, goal, f"Goal added: {goal.title}"),
    )


@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.access_goal(request.user, goal_id)
    department = goal.plan.department
    access.require_edit(request.user, department)
    fields = (
        "title",
        "description",
        "unit",
        "baseline",
        "target",
        "direction",
        "owner_id",
        "serves_mission",
        "parent_id",
        "starts_on",
        "due_on",
        "cadence",
        "measured_video_id",
    )
    initial = {f.removesuffix("_id"): getattr(goal, f) for f in fields}
    return _form_page(
        request,
        GoalForm(request.POST or None, department=department, user=request.user, initial=initial),
        "plans/goal_form.html",
        {"department": department, "goal": goal},
        save=lambda data: services.goal_update(acting_user=request.user, goal=goal, data=data),
        done=lambda saved: _to_goal(request, saved, "The goal was saved."),
    )


@require_POST
def goal_delete(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.access_goal(request.user, goal_id)
    try:
        services.goal_delete(acting_user=request.user, goal=goal)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
        return redirect(goal.get_absolute_url())
    messages.success(request, f"Goal removed: {goal.title}")
    return redirect(_plan_url(goal.plan.department) + "#goals-heading")


@require_safe
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.access_goal(request.user, goal_id)
    (goal,) = selectors.decorate_goals(
        [
            type(goal)
            .objects.select_related("owner", "parent", "idea", "plan__department", "measured_video")
            .prefetch_related("check_ins__author")
            .get(pk=goal.pk)
        ]
    )
    context = {
        "goal": goal,
        "department": goal.plan.department,
        "rule": RULE,
        "can_check_in": access.can_check_in(request.user, goal),
        "can_edit": access.can_edit_plan(request.user, goal.plan.department),
        "links": GoalLink.objects.filter(goal=goal, post__deleted_at__isnull=True).select_related("post"),
        "video_links": GoalVideo.objects.filter(goal=goal, video__deleted_at__isnull=True).select_related("video"),
        "video_choices": video_choices(request.user, goal.plan.department),
        "form": CheckInForm(initial={"on": timezone.localdate()}),
    }
    if request.GET.get("fragment") == "card":
        return render(request, "plans/_goal_card.html", {**context, "heading_level": 2})
    return render(request, "plans/goal.html", context)


@require_POST
def check_in(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.access_goal(request.user, goal_id)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            services.check_in_record(acting_user=request.user, goal=goal, **form.cleaned_data)
        except FORM_ERRORS as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, "Check-in recorded.")
    else:
        messages.error(request, "Give the value measured.")
    return redirect(goal.get_absolute_url())


@require_POST
def goal_link(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.access_goal(request.user, goal_id)
    try:
        services.goal_link_post(acting_user=request.user, goal=goal, post_id=request.POST.get("post"))
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "The post is listed under the goal.")
    return redirect(goal.get_absolute_url())


@require_POST
def goal_video(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.access_goal(request.user, goal_id)
    try:
        services.goal_link_video(acting_user=request.user, goal=goal, video_id=request.POST.get("video"))
    except (*FORM_ERRORS, NotFound) as error:  # a video one may not watch reads as one that does not exist
        messages.error(request, error.detail)
    else:
        messages.success(request, "The video is listed under the goal.")
    return redirect(goal.get_absolute_url())


@require_POST
def role_create(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    access.require_edit(request.user, department)
    form = RoleForm(request.POST, department=department)
    if not form.is_valid():
        messages.error(request, "A role needs a name, and holders who are members.")
        return redirect(_plan_url(department))
    try:
        services.role_save(
            acting_user=request.user,
            department=department,
            name=form.cleaned_data["name"],
            duties=form.cleaned_data["duties"],
            holder_ids=form.cleaned_data["holders"],
        )
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    return redirect(_plan_url(department) + "#roles")


@require_POST
def routine_create(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    access.require_edit(request.user, department)
    form = RoutineForm(request.POST, department=department)
    if not form.is_valid():
        messages.error(request, "A routine needs a title, an owner who is a member and a cadence.")
        return redirect(_plan_url(department))
    try:
        services.routine_create(
            acting_user=request.user,
            department=department,
            title=form.cleaned_data["title"],
            owner_id=form.cleaned_data["owner"],
            cadence=form.cleaned_data["cadence"],
        )
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    return redirect(_plan_url(department) + "#routines")


@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, role_id: int) -> HttpResponse:
    role = access.access_role(request.user, role_id)
    department = role.plan.department
    access.require_edit(request.user, department)
    initial = {"name": role.name, "duties": role.duties, "holders": list(role.holders.values_list("pk", flat=True))}

    def save(data: dict):
        return services.role_save(
            acting_user=request.user,
            department=department,
            role=role,
            name=data["name"],
            duties=data["duties"],
            holder_ids=data["holders"],
        )

    return _form_page(
        request,
        RoleForm(request.POST or None, department=department, initial=initial),
        "plans/part_form.html",
        {"department": department, "part": role, "kind": "role"},
        save=save,
        done=lambda saved: _to_plan(request, department, "roles", f"Role saved: {saved.name}"),
    )


@require_POST
def role_delete(request: HttpRequest, role_id: int) -> HttpResponse:
    role = access.access_role(request.user, role_id)
    services.role_delete(acting_user=request.user, role=role)
    return _to_plan(request, role.plan.department, "roles", f"Role removed: {role.name}")


@require_http_methods(["GET", "POST"])
def routine_edit(request: HttpRequest, routine_id: int) -> HttpResponse:
    routine = access.access_routine(request.user, routine_id)
    department = routine.plan.department
    access.require_edit(request.user, department)
    initial = {"title": routine.title, "owner": routine.owner_id, "cadence": routine.cadence}

    def save(data: dict):
        return services.routine_update(
            acting_user=request.user,
            routine=routine,
            title=data["title"],
            owner_id=data["owner"],
            cadence=data["cadence"],
        )

    return _form_page(
        request,
        RoutineForm(request.POST or None, department=department, initial=initial),
        "plans/part_form.html",
        {"department": department, "part": routine, "kind": "routine"},
        save=save,
        done=lambda saved: _to_plan(request, department, "routines", f"Routine saved: {saved.title}"),
    )


@require_POST
def routine_delete(request: HttpRequest, routine_id: int) -> HttpResponse:
    routine = access.access_routine(request.user, routine_id)
    services.routine_delete(acting_user=request.user, routine=routine)
    return _to_plan(request, routine.plan.department, "routines", f"Routine removed: {routine.title}")


@require_POST
def routine_done(request: HttpRequest, routine_id: int) -> HttpResponse:
    routine = access.access_routine(request.user, routine_id)
    try:
        services.routine_mark_done(
            acting_user=request.user, routine=routine, evidence_url=request.POST.get("evidence_url", "")
        )
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Done for this period: {routine.title}")
    return redirect(_plan_url(routine.plan.department) + "#routines")


@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest, slug: str) -> HttpResponse:
    """The review template: the last period's figures pulled in, and what worked and what we change."""
    department = access_department_content(request.user, slug)
    access.require_edit(request.user, department)
    plan = selectors.plan_for_reading(department)
    start, end = services.review_period_of(plan, timezone.localdate())
    goals = selectors.goals_of(plan)

    def save(data: dict):
        proposals = []
        for goal in goals:
            raw = request.POST.get(f"target-{goal.pk}", "").strip()
            if raw:
                proposals.append({"goal": goal.pk, "target": raw})
        return services.review_create(acting_user=request.user, department=department, proposals=proposals, **data)

    def done(review) -> HttpResponse:
        messages.success(request, "The review was saved.")
        return redirect("plans:review", review.pk)

    figures = services.review_figures(department, start, end) if plan.pk else {"goals": [], "activity": {}}
    return _form_page(
        request,
        ReviewForm(request.POST or None),
        "plans/review_form.html",
        {"department": department, "figures": figures, "start": start, "end": end, "goals": goals},
        save=save,
        done=done,
    )


@require_safe
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = access.access_review(request.user, review_id)
    department = review.plan.department
    titles = dict(review.plan.goals.values_list("pk", "title"))
    proposals = [{"title": titles.get(p["goal"], "a removed goal"), "target": p["target"]} for p in review.proposals]
    return render(
        request,
        "plans/review.html",
        {
            "review": review,
            "department": department,
            "proposals": proposals,
            "can_edit": access.can_edit_plan(request.user, department),
            "reviews": review.plan.reviews.only("pk", "period_start", "period_end"),
        },
    )


@require_POST
def review_accept(request: HttpRequest, review_id: int) -> HttpResponse:
    review = access.access_review(request.user, review_id)
    try:
        version = services.review_accept(acting_user=request.user, review=review)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"The proposals are in version {version.number} of the plan.")
    return redirect("plans:review", review.pk)


@require_http_methods(["GET", "POST"])
def content_plan(request: HttpRequest, slug: str) -> HttpResponse:
    """The content plan: slots and the feed's posts on a month (or week) grid; managers add slots."""
    department = access_department_content(request.user, slug)
    can_edit = access.can_edit_plan(request.user, department)
    form = SlotForm(request.POST or None, department=department, initial={"on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise Forbidden("forbidden", access.ONLY_MANAGERS)
        if form.is_valid():
            try:
                data = dict(form.cleaned_data)
                slot = services.slot_create(
                    acting_user=request.user, department=department, owner_id=data.pop("owner"), **data
                )
            except FORM_ERRORS as error:
                add_service_errors(form, error)
            else:
                for other in services.clashes_for(slot):
                    messages.warning(
                        request,
                        f"Clash: {other.plan.department.name} plans a company-wide "
                        f"{other.get_channel_display().lower()} on {slot.on:%d %b}.",
                    )
                messages.success(request, f"Planned: {slot.theme}")
                return redirect(f"{request.path}?month={slot.on:%Y-%m}")
        status = 400
    today = timezone.localdate()
    first = selectors.parse_month(request.GET.get("month", f"{today:%Y-%m}"), today)
    week = None
    if request.GET.get("view") == "week":
        week = today - timedelta(days=today.weekday())
    calendar = selectors.content_calendar(department, first, week=week)
    has_video_slots = any(
        slot.channel == Slot.Channel.VIDEO and not slot.video_id
        for r in calendar["grid"]
        for c in r
        for slot in c["slots"]
    )
    return render(
        request,
        "plans/content.html",
        {
            "department": department,
            "form": form,
            "can_edit": can_edit,
            "month": first,
            "today": today,
            "previous": (first - timedelta(days=1)).replace(day=1),
            "next": (first + timedelta(days=32)).replace(day=1),
            "week": week,
            "statuses": Slot.Status.choices,
            "video_choices": video_choices(request.user, department) if has_video_slots else [],
            **calendar,
        },
        status=status,
    )


@require_POST
def slot_status(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = access.access_slot(request.user, slot_id)
    try:
        services.slot_set_status(acting_user=request.user, slot=slot, status=request.POST.get("status", ""))
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    return redirect(reverse("plans:content", args=[slot.plan.department.slug]) + f"?month={slot.on:%Y-%m}")


@require_POST
def slot_video(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = access.access_slot(request.user, slot_id)
    try:
        services.slot_link_video(acting_user=request.user, slot=slot, video_id=request.POST.get("video"))
    except (*FORM_ERRORS, NotFound) as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "The video fills its slot.")
    return redirect(reverse("plans:content", args=[slot.plan.department.slug]) + f"?month={slot.on:%Y-%m}")


@require_POST
def slot_publish(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = access.access_slot(request.user, slot_id)
    try:
        post = services.slot_publish(
            acting_user=request.user,
            slot=slot,
            body=request.POST.get("body", ""),
            confirm=request.POST.get("confirm") == "1",
        )
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
        return redirect(reverse("plans:content", args=[slot.plan.department.slug]))
    messages.success(request, "Published, and matched to its slot.")
    return redirect("feed:post", post.pk)


@require_safe
def company_calendar(request: HttpRequest) -> HttpResponse:
    """Every department's company-wide items in one calendar, with the days that clash (All staff's managers)."""
    company = Department.objects.filter(is_company_wide=True).first()
    if company is None:
        raise Http404
    company = access_department_content(request.user, company.pk)
    access.require_edit(request.user, company)
    today = timezone.localdate()
    first = selectors.parse_month(request.GET.get("month", f"{today:%Y-%m}"), today)
    return render(
        request,
        "plans/company_calendar.html",
        {
            "department": company,
            "month": first,
            "today": today,
            "previous": (first - timedelta(days=1)).replace(day=1),
            "next": (first + timedelta(days=32)).replace(day=1),
            **selectors.company_calendar(first),
        },
    )


@require_safe
def calendar_settings(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = request.build_absolute_uri(reverse("plans:ical", args=[feed.secret])) if feed else None
    return render(request, "plans/calendar_settings.html", {"feed_url": url})


@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_reset(acting_user=request.user)
    messages.success(request, "Your calendar has a new secret address; the old one no longer works.")
    return redirect("plans:calendar")


@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(acting_user=request.user)
    messages.success(request, "Your calendar address no longer works.")
    return redirect("plans:calendar")


@login_not_required  # the secret in the address is the credential; it opens only what its owner reads today
@require_safe
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    user = services.calendar_owner(secret)
    if user is None:
        raise Http404
    response = HttpResponse(
        ical.calendar_for(user, base_url=request.build_absolute_uri("/")), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def idea_promote(request: HttpRequest, idea_id: int) -> HttpResponse:
    """A manager turns an idea of the board into a goal of the plan (SMART like any other)."""
    from apps.voting.access import access_idea

    idea = access_idea(request.user, idea_id)
    department = idea.department
    access.require_edit(request.user, department)
    today = timezone.localdate()
    initial = {
        "title": idea.title,
        "description": idea.description or idea.title,
        "starts_on": today,
        "due_on": today + timedelta(days=90),
        "serves_mission": True,
    }
    return _form_page(
        request,
        GoalForm(request.POST or None, department=department, user=request.user, initial=initial),
        "plans/goal_form.html",
        {"department": department, "goal": None, "idea": idea},
        save=lambda data: services.idea_promote(acting_user=request.user, idea_id=idea.pk, data=data),
        done=lambda goal: _to_goal(request, goal, f"The idea became a goal: {goal.title}"),
    )
