"""HTML views of idea boards and polls: parse, authorise through `access`, call a service, render."""

from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.errors import FORM_ERRORS, Forbidden, Invalid, NotFound
from apps.core.forms import add_service_errors
from apps.core.ids import parse_id
from apps.core.pagination import keyset_page
from apps.departments.access import access_department_content
from apps.departments.models import Department

from . import selectors, services
from .access import access_idea, access_poll, can_delete_comment, can_edit_idea, can_manage_poll, can_moderate_board
from .board_rows import idea_rows
from .forms import CommentForm, IdeaForm, MergeForm, PollForm, StatusForm
from .models import Idea, Poll

BOARD_PAGE_SIZE = 25
COMMENTS_PAGE_SIZE = 50
POLLS_PAGE_SIZE = 20
VOTERS_SHOWN = 24


@require_safe
def board_list(request: HttpRequest) -> HttpResponse:
    """Every board the user may open, with how many ideas and open polls each has."""
    ideas = (
        Idea.objects.on_board()
        .filter(department=OuterRef("pk"))
        .order_by()
        .values("department")
        .annotate(n=Count("pk"))
        .values("n")
    )
    departments = Department.objects.readable_by(request.user).with_role_of(request.user)
    departments = departments.annotate(idea_count=Coalesce(Subquery(ideas), 0))
    return render(request, "voting/index.html", {"departments": departments})


@require_safe
def board(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    sort = selectors.parse_sort(request.GET.get("sort"))
    status = selectors.parse_status(request.GET.get("status"))
    query = " ".join(request.GET.get("q", "").split())[:100]
    cursor = request.GET.get("cursor")
    page = selectors.board_page(
        request.user, department, sort=sort, status=status, query=query, cursor=cursor, size=BOARD_PAGE_SIZE
    )
    counts = selectors.status_counts(department)
    return render(
        request,
        "voting/board.html",
        {
            "department": department,
            "page": page,
            "idea_rows": idea_rows(page.items, request),
            "sort": sort,
            "sorts": selectors.SORT_LABELS,
            "status": status,
            "counts": counts,
            "status_tabs": [(value, label, counts[value]) for value, label in Idea.Status.choices],
            "query": query,
            "can_moderate": can_moderate_board(request.user, department),
        },
    )


@require_http_methods(["GET", "POST"])
def idea_create(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    form = IdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.idea_create(acting_user=request.user, department=department, **form.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Idea proposed. Your own vote is counted.")
            return redirect(idea)
    context = {"department": department, "form": form, "idea": None}
    return render(request, "voting/idea_form.html", context, status=_status(form))


@require_safe
def idea_detail(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    return _render_idea(request, _idea(request, slug, idea_id))


@require_http_methods(["GET", "POST"])
def idea_edit(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    form = IdeaForm(request.POST or None, initial={"title": idea.title, "description": idea.description})
    if not can_edit_idea(request.user, idea):  # the service refuses too; say so before the form is filled in
        raise Forbidden("forbidden", "Only the author, while the idea is open, and the managers can edit it.")
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_update(acting_user=request.user, idea=idea, **form.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Idea saved.")
            return redirect(idea)
    context = {"department": idea.department, "form": form, "idea": idea}
    return render(request, "voting/idea_form.html", context, status=_status(form))


@require_POST
def idea_delete(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    services.idea_delete(acting_user=request.user, idea=idea)
    messages.success(request, f"“{idea.title}” deleted.")
    return redirect("voting:board", slug=idea.department.slug)


@require_POST
def idea_vote(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    try:
        services.idea_vote(acting_user=request.user, idea=idea)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    return _back(request, idea)


@require_POST
def idea_unvote(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    try:
        services.idea_unvote(acting_user=request.user, idea=idea)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    return _back(request, idea)


@require_POST
def idea_status(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.idea_set_status(acting_user=request.user, idea=idea, **form.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            label = Idea.Status(form.cleaned_data["status"]).label
            messages.success(request, f"Status set to {label}; voters notified.")
            return redirect(idea)
    return _render_idea(request, idea, status_form=form, status=400)


@require_POST
def idea_merge(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    form = MergeForm(request.POST)
    if form.is_valid():
        target = Idea.objects.visible_to(request.user).filter(pk=form.cleaned_data["into"]).first()
        if target is None:
            form.add_error("into", "There is no idea with this number on a board you can see.")
        else:
            try:
                services.idea_merge(acting_user=request.user, duplicate=idea, target=target)
            except FORM_ERRORS as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Merged “{idea.title}” into this idea; its votes moved here.")
                return redirect(target)
    return _render_idea(request, idea, merge_form=form, status=400)


@require_POST
def comment_create(request: HttpRequest, slug: str, idea_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(acting_user=request.user, idea=idea, body=form.cleaned_data["body"])
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            return redirect(f"{idea.get_absolute_url()}#comment-{comment.pk}")
    return _render_idea(request, idea, comment_form=form, status=400)


@require_POST
def comment_delete(request: HttpRequest, slug: str, idea_id: int, comment_id: int) -> HttpResponse:
    idea = _idea(request, slug, idea_id)
    comment = idea.comments.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("unknown_comment", "There is no such comment.")
    services.comment_delete(acting_user=request.user, comment=comment)
    messages.success(request, "Comment deleted.")
    return redirect(idea)


def _render_idea(
    request: HttpRequest,
    idea: Idea,
    *,
    status_form: StatusForm | None = None,
    merge_form: MergeForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    comments = keyset_page(
        idea.comments.select_related("author__profile"),
        fields=("id",),
        cursor=request.GET.get("cursor"),
        size=COMMENTS_PAGE_SIZE,
    )
    for comment in comments.items:
        comment.can_delete = can_delete_comment(user, comment, idea.department)
    can_moderate = can_moderate_board(user, idea.department)
    context = {
        "idea": idea,
        "department": idea.department,
        "voted": selectors.user_voted(idea, user),
        "history": selectors.idea_history(idea),
        "voters": selectors.idea_voters(idea)[:VOTERS_SHOWN],
        "merged_ideas": idea.merged_ideas.order_by("-id"),
        "comments": comments,
        "comment_form": comment_form or CommentForm(),
        "can_edit": can_edit_idea(user, idea),
        "can_moderate": can_moderate,
    }
    if can_moderate:
        context["status_form"] = status_form or StatusForm(initial={"status": idea.status})
        context["merge_form"] = merge_form or MergeForm()
    return render(request, "voting/idea_detail.html", context, status=status)


def _idea(request: HttpRequest, slug: str, idea_id: int, *, manage: bool = False) -> Idea:
    idea = access_idea(request.user, idea_id, manage=manage)
    if idea.department.slug != slug:
        raise NotFound("unknown_idea", "There is no such idea on this board.")
    return idea


def _back(request: HttpRequest, idea: Idea) -> HttpResponse:
    """Back where the vote button was (the board, with its filters), or to the idea."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(idea)


# Polls


@require_safe
def poll_list(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    page = keyset_page(
        selectors.board_polls(request.user, department=department),
        fields=("-id",),
        cursor=request.GET.get("cursor"),
        size=POLLS_PAGE_SIZE,
    )
    return render(request, "voting/poll_list.html", {"department": department, "page": page})


@require_http_methods(["GET", "POST"])
def poll_create(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    form = PollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            poll = services.poll_create(acting_user=request.user, department=department, **form.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Poll created.")
            return redirect(poll)
    return render(request, "voting/poll_form.html", {"department": department, "form": form}, status=_status(form))


@require_safe
def poll_detail(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = _poll(request, slug, poll_id)
    return render(request, "voting/poll_detail.html", _poll_context(request, poll))


@require_safe
def poll_results(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    """The results block alone, which the poll page fetches again when someone votes."""
    poll = _poll(request, slug, poll_id)
    return render(request, "voting/_poll_results.html", _poll_context(request, poll))


@require_POST
def poll_vote(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = _poll(request, slug, poll_id)
    try:
        option_ids = _chosen_options(request, poll)
        services.poll_vote(acting_user=request.user, poll=poll, option_ids=option_ids)
    except FORM_ERRORS as error:
        errors = error.errors.get("options", [error.detail])
        return render(request, "voting/poll_detail.html", _poll_context(request, poll, vote_errors=errors), status=400)
    messages.success(request, "Your vote is in." if not poll.is_anonymous else "Your anonymous vote is in.")
    return redirect(poll)


@require_POST
def poll_withdraw(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = _poll(request, slug, poll_id)
    try:
        services.poll_withdraw(acting_user=request.user, poll=poll)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Your vote was taken back.")
    return redirect(poll)


@require_POST
def poll_close(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = _poll(request, slug, poll_id)
    try:
        services.poll_close(acting_user=request.user, poll=poll)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Poll closed.")
    return redirect(poll)


@require_POST
def poll_delete(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    poll = _poll(request, slug, poll_id)
    services.poll_delete(acting_user=request.user, poll=poll)
    messages.success(request, f"Poll “{poll.question}” deleted.")
    return redirect("voting:polls", slug=poll.department.slug)


def _poll(request: HttpRequest, slug: str, poll_id: int, *, manage: bool = False) -> Poll:
    poll = access_poll(request.user, poll_id, manage=manage)
    if poll.department.slug != slug:
        raise NotFound("unknown_poll", "There is no such poll on this board.")
    return poll


def _poll_context(request: HttpRequest, poll: Poll, *, vote_errors: list[str] | None = None) -> dict:
    user = request.user
    voted = selectors.has_voted(poll, user)
    show_results = selectors.can_see_results(user, poll, voted=voted)
    results = selectors.poll_results(poll) if show_results else None
    options = list(poll.options.all())
    mine = selectors.my_choices(poll, user) if voted else None
    voters = selectors.poll_voters_by_option(poll) if show_results and not poll.is_anonymous else None
    if results is not None and voters is not None:
        for row in results.options:
            row.voters = voters.get(row.id, [])
    posted_ranks = {key: value for key, value in request.POST.items() if key.startswith("rank-")}
    posted_options = {parse_id(v) for v in request.POST.getlist("option")} - {None}
    for option in options:
        option.posted_rank = posted_ranks.get(f"rank-{option.pk}", "")
        option.posted = option.pk in posted_options
    my_labels = [next(o.label for o in options if o.pk == pk) for pk in mine] if mine else []
    named = show_results and not poll.is_anonymous and poll.kind == Poll.Kind.RANKED
    return {
        "poll": poll,
        "department": poll.department,
        "rankings": selectors.named_rankings(poll) if named else None,
        "options": options,
        "voted": voted,
        "my_labels": my_labels,
        "results": results,
        "can_manage": can_manage_poll(user, poll),
        "vote_errors": vote_errors or [],
        "results_url": reverse("voting:poll_results", args=[poll.department.slug, poll.pk]),
    }


def _chosen_options(request: HttpRequest, poll: Poll) -> list[int]:
    """The ballot from the form: `option` values, or for ranked choice a `rank-<option id>` per ranked option."""
    if poll.kind != Poll.Kind.RANKED:
        values = request.POST.getlist("option")
        ids = [parse_id(value) for value in values]
        if None in ids:
            raise Invalid.field("options", "Choose among this poll's options.")
        return ids
    ranked: list[tuple[int, int]] = []
    for key, value in request.POST.items():
        if not key.startswith("rank-") or not value.strip():
            continue
        option_id, rank = key.removeprefix("rank-"), value.strip()
        if parse_id(option_id) is None or parse_id(rank) is None:
            raise Invalid.field("options", "Ranks are whole numbers from 1 (your first choice).")
        ranked.append((parse_id(rank), parse_id(option_id)))
    ranks = [rank for rank, _ in ranked]
    if len(set(ranks)) != len(ranks):
        raise Invalid.field("options", "Give each option a different rank.")
    return [option_id for _, option_id in sorted(ranked)]


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200
