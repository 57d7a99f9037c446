"""Policy pages: parse, authorise through `access`, call a service, render."""

import csv
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.errors import FORM_ERRORS, Invalid
from apps.core.forms import add_service_errors
from apps.core.ids import parse_id
from apps.core.pagination import keyset_page
from apps.departments.access import access_department
from apps.departments.models import Department

from . import gate, selectors, services
from .access import access_policy, applies_to, can_edit_policy
from .forms import PolicyForm, RulesForm
from .middleware import READ_ONLY_SESSION_KEY, pending_fingerprint
from .models import Policy, PolicyVersion

RECORD_PAGE_SIZE = 50


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@require_safe
def policy_list(request: HttpRequest) -> HttpResponse:
    """The policies that apply to me, and those I write; departments I moderate without one yet."""
    user = request.user
    policies = list(
        Policy.objects.applying_to(user)
        .select_related("department")
        .order_by("-department__is_company_wide", "department__name")
    )
    mine = selectors.my_versions(user)
    for policy in policies:
        policy.my_version = mine.get(policy.pk)
        policy.accepted = policy.my_version is not None and policy.my_version >= policy.required_version
        policy.editable = can_edit_policy(user, policy.department)
    departments = Department.objects.filter(policy__isnull=True).with_role_of(user).order_by("-is_company_wide", "name")
    can_start = [d for d in departments if can_edit_policy(user, d)]
    return render(request, "policies/list.html", {"policies": policies, "can_start": can_start})


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    """The full page with every policy still to accept, and one "I have read and accept" button."""
    versions = selectors.pending_versions(request.user)
    next_url = _next_url(request)
    if request.method == "POST":
        if "read_only" in request.POST:
            request.session[READ_ONLY_SESSION_KEY] = pending_fingerprint(gate.pending_for(request.user))
            messages.info(request, "You can read, but not post, comment, chat or upload until you accept the policy.")
            return redirect(next_url)
        shown = {}
        for key, value in request.POST.items():
            if key.startswith("policy-") and (pk := parse_id(key.removeprefix("policy-"))) and parse_id(value):
                shown[pk] = int(value)
        try:
            if not shown:
                raise Invalid("nothing_to_accept", "There was no policy on the page to accept.")
            for policy_id, number in shown.items():
                services.policy_accept(
                    acting_user=request.user, policy=access_policy(request.user, policy_id), version=number
                )
        except FORM_ERRORS as error:
            messages.error(request, error.detail)
            return redirect(f"{request.path}?next={quote(next_url)}")
        request.session.pop(READ_ONLY_SESSION_KEY, None)
        messages.success(request, "Thank you: you accepted the communication policy.")
        return redirect(next_url)
    return render(request, "policies/accept.html", {"versions": versions, "next": next_url})


@require_safe
def policy_detail(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = access_policy(request.user, policy_id)
    versions = list(policy.versions.select_related("created_by__profile"))
    current = next((v for v in versions if v.number == policy.current_version), None)
    mine = selectors.latest_acceptance(request.user, policy)
    return render(
        request,
        "policies/detail.html",
        {
            "policy": policy,
            "current": current,
            "versions": versions,
            "mine": mine,
            "must_accept": applies_to(request.user, policy)
            and (mine is None or mine.version < policy.required_version),
            "can_edit": can_edit_policy(request.user, policy.department),
        },
    )


@require_http_methods(["GET", "POST"])
def policy_create(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug)
    if hasattr(department, "policy"):
        return redirect(department.policy)
    services.require_editor(request.user, department)
    form = PolicyForm(request.POST or None, first=True)
    rules = RulesForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and rules.is_valid():
        try:
            policy = services.policy_create(
                acting_user=request.user, department=department, body=form.cleaned_data["body"],
                summary=form.cleaned_data["summary"], **rules.cleaned_data,
            )  # fmt: skip
        except FORM_ERRORS as error:
            add_service_errors(rules if "never_share" in " ".join(error.errors) else form, error)
        else:
            messages.success(request, "Policy published: everyone it applies to is asked to accept it.")
            return redirect(policy)
    status = 400 if form.errors or rules.errors else 200
    context = {"department": department, "form": form, "rules": rules, "policy": None}
    return render(request, "policies/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Publish a new version of the text, or change the never-share rules."""
    policy = access_policy(request.user, policy_id, edit=True)
    current = policy.versions.filter(number=policy.current_version).first()
    which = request.POST.get("form") if request.method == "POST" else None
    form = PolicyForm(request.POST if which == "text" else None, initial={"body": current.body if current else ""})
    rules = RulesForm(
        request.POST if which == "rules" else None,
        initial={
            "never_share_words": "\n".join(policy.never_share_words),
            "never_share_patterns": "\n".join(policy.never_share_patterns),
        },
    )
    if which == "text" and form.is_valid():
        try:
            services.policy_publish_version(
                acting_user=request.user, policy=policy, body=form.cleaned_data["body"],
                summary=form.cleaned_data["summary"], needs_acceptance=not form.cleaned_data["minor"],
            )  # fmt: skip
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "New version published.")
            return redirect(policy)
    if which == "rules" and rules.is_valid():
        try:
            services.policy_set_rules(acting_user=request.user, policy=policy, **rules.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(rules, error)
        else:
            messages.success(request, "Never-share rules saved.")
            return redirect("policies:edit", policy_id=policy.pk)
    status = 400 if form.errors or rules.errors else 200
    context = {"department": policy.department, "form": form, "rules": rules, "policy": policy}
    return render(request, "policies/edit.html", context, status=status)


@require_safe
def policy_diff(request: HttpRequest, policy_id: int) -> HttpResponse:
    """What changed between two versions (by default the current one and the one before)."""
    policy = access_policy(request.user, policy_id)
    new_number = parse_id(request.GET.get("to", "")) or policy.current_version
    old_number = parse_id(request.GET.get("from", "")) or max(new_number - 1, 1)
    found = {v.number: v for v in PolicyVersion.objects.filter(policy=policy, number__in=[old_number, new_number])}
    if old_number not in found or new_number not in found:
        raise Invalid("unknown_version", "There is no such version of this policy.")
    old, new = found[old_number], found[new_number]
    return render(
        request,
        "policies/diff.html",
        {
            "policy": policy,
            "old": old,
            "new": new,
            "lines": selectors.diff(old, new),
            "numbers": range(1, policy.current_version + 1),
        },
    )


@require_safe
def acceptance_record(request: HttpRequest, policy_id: int) -> HttpResponse:
    """Who accepted which version, and who has not (editors)."""
    policy = access_policy(request.user, policy_id, edit=True)
    readers = selectors.readers_with_acceptance(policy)
    page = keyset_page(
        readers, fields=("profile__display_name", "id"), cursor=request.GET.get("cursor"), size=RECORD_PAGE_SIZE
    )
    accepted, total = selectors.acceptance_counts(policy)
    return render(
        request,
        "policies/record.html",
        {"policy": policy, "page": page, "accepted": accepted, "total": total, "pending": total - accepted},
    )


@require_safe
def acceptance_csv(request: HttpRequest, policy_id: int) -> HttpResponse:
    """The compliance record as CSV: who, which version, when (editors)."""
    policy = access_policy(request.user, policy_id, edit=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="policy-{policy.department.slug}-acceptances-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(["name", "email", "version", "accepted_at"])
    for name, email, version, accepted_at in selectors.acceptance_rows(policy).iterator():
        writer.writerow([_csv_safe(name or ""), _csv_safe(email), version, accepted_at.isoformat()])
    return response


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) is quoted as text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@require_POST
def remind(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = access_policy(request.user, policy_id, edit=True)
    count = services.policy_remind(acting_user=request.user, policy=policy)
    messages.success(request, f"Reminder sent to {count} {'person' if count == 1 else 'people'}.")
    return redirect("policies:record", policy_id=policy.pk)
