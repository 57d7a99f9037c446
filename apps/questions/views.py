"""Question pages: parse, authorise through `access`, call a service, render."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import User
from apps.core.errors import FORM_ERRORS, Forbidden
from apps.core.forms import add_service_errors
from apps.core.pagination import keyset_page
from apps.departments.access import access_department_content, can_moderate, departments_to_ask, readers_of
from apps.departments.models import Department
from apps.feed.models import REACTION_EMOJI
from apps.policies.forms import offer_to_send_anyway, wants_to_send_anyway

from . import access, charts, selectors, services
from .forms import AnswerForm, AskForm, AssignForm, CommentForm, TargetsForm
from .models import Question


def _my_departments(user: User):
    return Department.objects.readable_by(user).with_role_of(user).order_by("-is_company_wide", "name")


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Questions I can read, newest first, and the question pages of my departments."""
    page = keyset_page(selectors.visible_questions(request.user), fields=("-id",), cursor=request.GET.get("cursor"),
                       size=selectors.PAGE_SIZE)  # fmt: skip
    departments = [d for d in _my_departments(request.user) if not d.is_company_wide]
    return render(request, "questions/index.html", {"page": page, "departments": departments})


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    asking = [d for d in _my_departments(request.user) if not d.is_company_wide] or list(_my_departments(request.user))
    askable = list(departments_to_ask(request.user).order_by("name"))
    initial = {"departments": [d.pk for d in askable if d.slug == request.GET.get("to")]}
    form = AskForm(request.POST or None, request.FILES or None, asking=asking, askable=askable, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = services.question_ask(
                acting_user=request.user, asking_department=data["asking_department"],
                departments=data["departments"], title=data["title"], body=data["body"],
                is_confidential=data["is_confidential"], attachments=data["attachments"],
                confirm=wants_to_send_anyway(request.POST),
            )  # fmt: skip
        except (*FORM_ERRORS, Forbidden) as error:
            if not offer_to_send_anyway(form, error):
                add_service_errors(form, error)
        else:
            messages.success(request, "Question sent: the departments you asked were told.")
            return redirect(question)
    return render(request, "questions/ask.html", {"form": form}, status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, question: Question, **forms) -> dict:
    user = request.user
    answers, comments = selectors.thread(question, user)
    targets = access.with_roles_of(user, question)
    now = timezone.now()
    for target in targets:
        target.overdue = target.is_overdue(now)
        target.can_assign = access.can_assign(user, target)
        target.can_share = access.can_share_to(user, target)
        if target.can_assign:
            target.assign_form = AssignForm(
                members=readers_of(target.department).select_related("profile").order_by("profile__display_name"),
                initial={"assignee": target.assignee_id},
            )
    for answer in answers:
        answer.can_edit = access.can_edit_answer(user, answer)
        answer.can_delete = access.can_delete_answer(user, answer)
    return {
        "question": question,
        "targets": targets,
        "files": selectors.question_files(question),
        "answers": answers,
        "comments": comments,
        "can_accept": access.can_accept(user, question),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "reactions": REACTION_EMOJI,
    }


@require_safe
def detail(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access.access_question(request.user, question_id)
    template = "questions/_thread.html" if request.GET.get("fragment") == "thread" else "questions/detail.html"
    return render(request, template, _detail_context(request, question))


@require_POST
def answer_create(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access.access_question(request.user, question_id)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            answer = services.answer_create(
                acting_user=request.user, question=question, body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"], confirm=wants_to_send_anyway(request.POST),
            )  # fmt: skip
        except (*FORM_ERRORS, Forbidden) as error:
            if not offer_to_send_anyway(form, error):
                add_service_errors(form, error)
        else:
            return redirect(f"{question.get_absolute_url()}#answer-{answer.pk}")
    status = 409 if "confirm" in form.fields else 400
    return render(request, "questions/detail.html", _detail_context(request, question, answer_form=form), status=status)


@require_POST
def comment_create(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access.access_question(request.user, question_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                acting_user=request.user, question=question, body=form.cleaned_data["body"],
                confirm=wants_to_send_anyway(request.POST),
            )  # fmt: skip
        except (*FORM_ERRORS, Forbidden) as error:
            if not offer_to_send_anyway(form, error):
                add_service_errors(form, error)
        else:
            return redirect(f"{question.get_absolute_url()}#comment-{comment.pk}")
    status = 409 if "confirm" in form.fields else 400
    context = _detail_context(request, question, comment_form=form)
    return render(request, "questions/detail.html", context, status=status)


def _act(request: HttpRequest, question: Question, action, success: str) -> HttpResponse:
    try:
        action()
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, success)
    return redirect(question)


@require_POST
def answer_accept(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = access.access_answer(request.user, answer_id)
    return _act(request, answer.question, lambda: services.answer_accept(acting_user=request.user, answer=answer),
                "Answer accepted: the question is closed.")  # fmt: skip


@require_POST
def answer_edit(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = access.access_answer(request.user, answer_id)
    return _act(request, answer.question, lambda: services.answer_edit(
        acting_user=request.user, answer=answer, body=request.POST.get("body", ""),
        confirm=wants_to_send_anyway(request.POST),
    ), "Answer saved.")  # fmt: skip


@require_POST
def answer_delete(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = access.access_answer(request.user, answer_id)
    return _act(request, answer.question, lambda: services.answer_delete(acting_user=request.user, answer=answer),
                "Answer deleted.")  # fmt: skip


@require_POST
def answer_react(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = access.access_answer(request.user, answer_id)
    try:
        on = services.reaction_toggle(acting_user=request.user, answer=answer, emoji=request.POST.get("emoji", ""))
    except FORM_ERRORS as error:
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": error.detail, "code": error.code}, status=error.status)
        messages.error(request, error.detail)
        return redirect(answer.question)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"on": on, "counts": answer.reaction_counts})
    return redirect(f"{answer.question.get_absolute_url()}#answer-{answer.pk}")


@require_POST
def reopen(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access.access_question(request.user, question_id)
    return _act(request, question, lambda: services.question_reopen(acting_user=request.user, question=question),
                "Question reopened: the departments asked have a new answer target.")  # fmt: skip


@require_POST
def assign(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access.access_question(request.user, question_id)
    raw = request.POST.get("assignee", "")
    assignee = int(raw) if raw.isdigit() else (None if raw == "" else raw)
    department = int(request.POST.get("department", "0")) if request.POST.get("department", "").isdigit() else None
    return _act(request, question, lambda: services.question_assign(
        acting_user=request.user, question=question, department=department, assignee_id=assignee,
    ), "Assignment saved.")  # fmt: skip


@require_POST
def to_post(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access.access_question(request.user, question_id)
    department = int(request.POST.get("department", "0")) if request.POST.get("department", "").isdigit() else None
    try:
        post = services.question_to_post(acting_user=request.user, question=question, department=department)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
        return redirect(question)
    messages.success(request, "The question is now a post in the feed.")
    return redirect("feed:post", post_id=post.pk)


@require_POST
def to_idea(request: HttpRequest, question_id: int) -> HttpResponse:
    question = access.access_question(request.user, question_id)
    department = int(request.POST.get("department", "0")) if request.POST.get("department", "").isdigit() else None
    try:
        idea = services.question_to_idea(acting_user=request.user, question=question, department=department)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
        return redirect(question)
    messages.success(request, "The question is now an idea on the board.")
    return redirect(idea)


@require_safe
def department_questions(request: HttpRequest, slug: str) -> HttpResponse:
    """A department's inbox of questions asked of it, the questions it asked, and its response-time figures."""
    department = access_department_content(request.user, slug)
    now = timezone.now()
    view = request.GET.get("view", "inbox")
    view = view if view in ("inbox", "asked") else "inbox"
    tab = request.GET.get("tab", "unassigned")
    tab = tab if tab in selectors.INBOX_TABS else "unassigned"
    cursor = request.GET.get("cursor")
    context = {"department": department, "view": view, "tab": tab, "tabs": selectors.INBOX_TABS}
    if view == "inbox":
        context["page"] = selectors.inbox_page(department, request.user, tab=tab, cursor=cursor, now=now)
    else:
        context["page"] = selectors.asked_page(department, request.user, cursor=cursor, now=now)
    if request.GET.get("fragment") == "list":
        return render(request, "questions/_department_list.html", context)
    promise = services.response_targets(department)
    figures = [selectors.response_figures(department, days=days, now=now) for days in (30, 90)]
    hours_per_day = promise.calendar.hours_per_day
    first_hours = float(promise.first_response_days) * hours_per_day
    answer_hours = float(promise.answer_days) * hours_per_day
    context |= {
        "counts": selectors.inbox_counts(department, request.user, now),
        "promise": promise,
        "figures": figures,
        "hours_chart": charts.hours_chart(figures, first_target_hours=first_hours, answer_target_hours=answer_hours),
        "share_chart": charts.share_chart(figures),
        "first_hours": first_hours,
        "answer_hours": answer_hours,
        "can_moderate": can_moderate(request.user, department),
    }
    return render(request, "questions/department.html", context)


@require_http_methods(["GET", "POST"])
def targets_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The department's response targets and working calendar (its managers)."""
    department = access_department_content(request.user, slug, moderate=True)
    promise = services.response_targets(department)
    initial = {
        "first_response_days": promise.first_response_days, "answer_days": promise.answer_days,
        "time_zone": promise.time_zone, "working_days": promise.working_days, "day_starts": promise.day_starts,
        "day_ends": promise.day_ends, "holiday_country": promise.holiday_country,
        "closed_days": "\n".join(promise.closed_days or []),
    }  # fmt: skip
    form = TargetsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.response_targets_update(acting_user=request.user, department=department, **data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Response targets saved; open questions were given their new due dates.")
            return redirect("questions:department", slug=department.slug)
    context = {"department": department, "form": form}
    return render(request, "questions/targets.html", context, status=400 if form.errors else 200)
