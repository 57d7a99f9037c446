import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import User
from apps.core.compiled import PersonQuery
from apps.core.errors import FORM_ERRORS, Forbidden, require
from apps.core.forms import add_service_errors
from apps.departments.access import access_department_content
from apps.departments.models import Department
from apps.policies.forms import offer_to_send_anyway, wants_to_send_anyway

from . import access, announcements, cards, selectors, services
from .composer import composer_html
from .forms import CommentForm, EditPostForm, PostForm
from .models import REACTION_EMOJI, Comment, Post


def _postable_departments(user: User):
    return Department.objects.readable_by(user).with_role_of(user).order_by("-is_company_wide", "name")


# The home feed's departments, built and compiled once per process (3 ms of ORM work on every home page).
POSTABLE_DEPARTMENTS = PersonQuery(_postable_departments)


def _back(request: HttpRequest, default: str, *args: object) -> HttpResponse:
    """Back to the page the form was on (its `next`), else to `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default, *args)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _composer(request: HttpRequest, departments: list[Department]) -> PostForm:
    """The composer for these departments; the announcement fields only for someone who may announce in one."""
    can_announce = any(access.can_announce(request.user, d) for d in departments)
    if request.method == "POST":
        return PostForm(request.POST, request.FILES, departments=departments, can_announce=can_announce)
    return PostForm(departments=departments, can_announce=can_announce)


def _feed(
    request: HttpRequest, department: Department | None, *, form: PostForm | None = None, next_url: str = ""
) -> HttpResponse:
    cursor = request.GET.get("cursor") if request.method == "GET" else None
    if request.GET.get("fragment") == "1":
        pinned, page = selectors.feed_page(request.user, department=department, cursor=cursor)
        context = {"pinned": pinned, "page": page, "department": department, "reactions": REACTION_EMOJI}
        return render(request, "feed/_page.html", context)
    # The departments the reader reads (the access rule, asked now): the home feed's audience,
    # the composer's choices and the side list, in one query.
    departments = POSTABLE_DEPARTMENTS.objects(request.user) if department is None else [department]
    audience = [d.pk for d in departments] if department is None else None
    pinned, page = selectors.feed_page(request.user, department=department, audience=audience, cursor=cursor)
    context = {"pinned": pinned, "page": page, "department": department, "reactions": REACTION_EMOJI}
    context |= {
        "form": form,
        "composer_html": composer_html(request, departments, next_url) if form is None else "",
        "next_url": next_url,
        "watched": departments,
        "can_moderate": department is not None and access.can_moderate(request.user, department),
    }
    return render(request, "feed/feed.html", context, status=400 if form is not None else 200)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return _feed(request, None)


@require_safe
def department_feed(request: HttpRequest, slug: str) -> HttpResponse:
    return _feed(request, access.access_feed(request.user, slug))


def _origin(request: HttpRequest) -> tuple[str, Department | None]:
    """Where the composer was (its `next`), and that page's department when it is a department's feed."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "", None
    try:
        match = resolve(target.split("?")[0])
    except Resolver404:
        return "", None
    if match.view_name == "feed:department":
        department = Department.objects.readable_by(request.user).filter(slug=match.kwargs["slug"]).first()
        return target, department
    return target, None


@require_POST
def post_create(request: HttpRequest) -> HttpResponse:
    next_url, origin = _origin(request)
    form = _composer(request, [origin] if origin else POSTABLE_DEPARTMENTS.objects(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            post = services.post_create(
                acting_user=request.user,
                department=data["department"],
                body=data["body"],
                kind=data.get("kind") or Post.Kind.POST,
                images=data["images"],
                attachments=data["attachments"],
                # Unticked means "the department's default": confidential departments stay so.
                is_confidential=True if data["is_confidential"] else None,
                publish_at=data["publish_at"],
                pinned_until=data.get("pinned_until"),
                requires_ack=bool(data.get("requires_ack")),
                ack_due_at=data.get("ack_due_at"),
                confirm=wants_to_send_anyway(request.POST),
            )
        except (*FORM_ERRORS, Forbidden) as error:
            if not offer_to_send_anyway(form, error):
                add_service_errors(form, error)
        else:
            if post.is_scheduled:
                messages.success(request, f"Scheduled for {timezone.localtime(post.publish_at):%d %b %Y %H:%M}.")
            else:
                messages.success(request, "Posted.")
            back = _back(request, "feed:home")
            return JsonResponse({"redirect": back["Location"]}) if _wants_json(request) else back
    if _wants_json(request):  # the composer's script shows the errors in place, files still chosen
        return JsonResponse({"detail": "The post has errors.", "code": "invalid", "errors": form.errors}, status=400)
    # The same page again, with what they wrote, and the way back to where they came from.
    return _feed(request, origin, form=form, next_url=next_url)


@require_safe
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id, include_scheduled=True)
    return _render_post_detail(request, post)


def _render_post_detail(
    request: HttpRequest, post: Post, comment_form: CommentForm | None = None, status: int = 200
) -> HttpResponse:
    post = selectors.post_with_details(request.user, post, card="single")
    progress = None
    if post.requires_ack and access.can_moderate(request.user, post.department):
        progress = selectors.ack_progress(post)
    template = "feed/_comments.html" if request.GET.get("fragment") == "comments" else "feed/post_detail.html"
    return render(
        request,
        template,
        {
            "post": post,
            "comments": selectors.post_comments(post),
            "comment_form": comment_form or CommentForm(),
            "progress": progress,
            "can_moderate": access.can_moderate(request.user, post.department),
            "reactions": REACTION_EMOJI,
        },
        status=status,
    )


@require_safe
def post_card(request: HttpRequest, post_id: int) -> HttpResponse:
    """One rendered post, for pages that insert live updates."""
    single = request.GET.get("single") == "1"
    post = selectors.post_with_details(
        request.user, access.access_post(request.user, post_id), card="single" if single else "feed"
    )
    # The card's forms return to the page that shows it, not to this fragment's URL.
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = post_url(post)
    return HttpResponse(cards.personalize(post, request, next_url=next_url))


@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id, include_scheduled=True)
    require(access.can_edit_post(request.user, post), "Only the author can edit a post.")
    form = EditPostForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(
                acting_user=request.user,
                post=post,
                body=form.cleaned_data["body"],
                new_version=form.cleaned_data["new_version"],
            )
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Post updated.")
            return redirect("feed:post", post_id=post.pk)
    return render(request, "feed/post_edit.html", {"post": post, "form": form}, status=400 if form.errors else 200)


@require_POST
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id, include_scheduled=True)
    services.post_delete(acting_user=request.user, post=post)
    if _wants_json(request):  # the page already took it away, after its few seconds of "Undo"
        return JsonResponse({"deleted": post.pk})
    messages.success(request, "Post deleted.")
    return _back(request, "feed:department", post.department.slug)


@require_POST
def post_react(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id)
    try:
        on = services.reaction_toggle(acting_user=request.user, post=post, emoji=request.POST.get("emoji", ""))
    except FORM_ERRORS as error:
        if _wants_json(request):
            return JsonResponse({"detail": error.detail, "code": error.code}, status=error.status)
        messages.error(request, error.detail)
        return _back(request, post_url(post))
    if _wants_json(request):
        return JsonResponse({"on": on, "counts": post.reaction_counts})
    return _back(request, post_url(post))


def post_url(post: Post) -> str:
    return services.post_url(post)


@require_POST
def comment_create(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"], post=post).first()
            if parent is None:
                form.add_error(None, "The comment you replied to no longer exists.")
        if not form.errors:
            try:
                comment = services.comment_create(
                    acting_user=request.user, post=post, body=form.cleaned_data["body"], parent=parent,
                    confirm=wants_to_send_anyway(request.POST),
                )  # fmt: skip
            except FORM_ERRORS as error:
                if offer_to_send_anyway(form, error):
                    return _render_post_detail(request, post, comment_form=form, status=409)
                add_service_errors(form, error)
            else:
                if _wants_json(request):  # written from a feed card: the card refreshes live
                    return JsonResponse({"comment": comment.pk}, status=201)
                return _back(request, f"{post_url(post)}#comment-{comment.pk}")
    if _wants_json(request):
        return JsonResponse({"detail": "The comment has errors.", "code": "invalid", "errors": form.errors}, status=400)
    for error in form.errors.get("body", []) + form.non_field_errors():
        messages.error(request, error)
    response = _back(request, post_url(post))
    response.status_code = 303
    return response


@require_POST
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access.access_comment(request.user, comment_id)
    try:
        services.comment_edit(acting_user=request.user, comment=comment, body=request.POST.get("body", ""))
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    return _back(request, "feed:post", comment.post_id)  # `next`: the page it was on (a video's, say)


@require_POST
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = access.access_comment(request.user, comment_id)
    services.comment_delete(acting_user=request.user, comment=comment)
    if _wants_json(request):
        return JsonResponse({"deleted": comment.pk})
    messages.success(request, "Comment deleted.")
    return _back(request, f"{reverse('feed:post', args=[comment.post_id])}#comments")


@require_POST
def acknowledge(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id)
    try:
        announcements.acknowledge(acting_user=request.user, post=post)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Thanks: you acknowledged this announcement.")
    return _back(request, post_url(post))


@require_POST
def share(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id)
    try:
        shared = services.post_share_to_company(acting_user=request.user, post=post)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
        return redirect("feed:post", post_id=post.pk)
    messages.success(request, "Shared to All staff.")
    return redirect("feed:post", post_id=shared.pk)


@require_POST
def remind(request: HttpRequest, post_id: int) -> HttpResponse:
    post = access.access_post(request.user, post_id)
    count = announcements.send_ack_reminders(acting_user=request.user, post=post)
    messages.success(request, f"Reminder sent to {count} {'person' if count == 1 else 'people'}.")
    return _back(request, post_url(post))


@require_safe
def announcement_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug, moderate=True)
    return render(
        request,
        "feed/announcements.html",
        {"department": department, "rows": selectors.announcement_dashboard(department)},
    )


@require_safe
def content_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """The content calendar is now the game plan's content plan (apps/plans): slots and posts on one grid."""
    department = access_department_content(request.user, slug)
    target = reverse("plans:content", args=[department.slug])
    month = request.GET.get("month", "")
    return redirect(f"{target}?month={month}" if re.fullmatch(r"\d{4}-\d{2}", month) else target)
