from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import User
from apps.core.errors import FORM_ERRORS, require
from apps.core.forms import add_service_errors
from apps.core.pagination import keyset_page
from apps.feed.composer import composer_html
from apps.people.cards import person_cards

from . import services
from .access import access_department, can_administer_departments, can_manage_department, can_read
from .forms import DepartmentForm, DepartmentImageForm, MembershipForm, RoleForm
from .models import Department
from .selectors import department_member_count, department_members, member_cards_page

MEMBERS_PAGE_SIZE = 60


@require_safe
def department_list(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.visible_to(request.user).with_role_of(request.user)
    return render(
        request,
        "departments/list.html",
        {"departments": departments, "can_create": can_administer_departments(request.user)},
    )


@require_safe
def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug)
    page = member_cards_page(department, cursor=request.GET.get("cursor"), size=MEMBERS_PAGE_SIZE)
    reads = can_read(request.user, department)
    return render(
        request,
        "departments/detail.html",
        {
            "department": department,
            "page": page,
            "people": person_cards(page.items, show_bio=True),
            "member_count": department_member_count(department),
            "can_manage": can_manage_department(request.user, department),
            "reads": reads,
            "composer_html": composer_html(request, [department], reverse("feed:department", args=[department.slug]))
            if reads
            else "",
        },
    )


@require_http_methods(["GET", "POST"])
def department_create(request: HttpRequest) -> HttpResponse:
    require(can_administer_departments(request.user), "Only admins create departments.")
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(acting_user=request.user, **form.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{department.name} created.")
            return redirect("departments:detail", slug=department.slug)
    return render(request, "departments/form.html", {"form": form, "department": None}, status=_status(form))


@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug, manage=True)
    form = DepartmentForm(request.POST or None, instance=department)
    if not can_administer_departments(request.user):
        form.fields["name"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(acting_user=request.user, department=department, **form.cleaned_data)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Department saved.")
            return redirect("departments:detail", slug=department.slug)
    return render(
        request,
        "departments/form.html",
        {"form": form, "department": department, "image_form": DepartmentImageForm()},
        status=_status(form),
    )


@require_POST
def department_image(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug, manage=True)
    form = DepartmentImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.department_set_image(
                acting_user=request.user, department=department, upload=form.cleaned_data["image"]
            )
        except FORM_ERRORS as error:
            form.add_error("image", error.detail)
        else:
            messages.success(request, "Picture updated.")
            return redirect("departments:detail", slug=department.slug)
    return render(
        request,
        "departments/form.html",
        {"form": DepartmentForm(instance=department), "department": department, "image_form": form},
        status=400,
    )


@require_POST
def department_delete(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug)
    try:
        services.department_delete(acting_user=request.user, department=department)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
        return redirect("departments:detail", slug=department.slug)
    messages.success(request, f"{department.name} deleted.")
    return redirect("departments:list")


@require_http_methods(["GET", "POST"])
def members_manage(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department(request.user, slug, manage=True)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set(
                acting_user=request.user,
                department=department,
                user=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['email'].display_name} is now in {department.name}.")
            return redirect("departments:members", slug=department.slug)
    page = keyset_page(
        department_members(department), fields=("display_name", "id"), cursor=request.GET.get("cursor"), size=100
    )
    return render(
        request,
        "departments/members.html",
        {"department": department, "form": form, "page": page, "role_form": RoleForm()},
        status=_status(form),
    )


@require_POST
def member_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    department = access_department(request.user, slug, manage=True)
    user = get_object_or_404(User, pk=user_id, is_active=True)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set(
                acting_user=request.user, department=department, user=user, role=form.cleaned_data["role"]
            )
        except FORM_ERRORS as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, f"{user.display_name} is now a {form.cleaned_data['role']}.")
    else:
        messages.error(request, "Choose a valid role.")
    return redirect("departments:members", slug=department.slug)


@require_POST
def member_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    department = access_department(request.user, slug, manage=True)
    user = get_object_or_404(User, pk=user_id)
    try:
        services.membership_remove(acting_user=request.user, department=department, user=user)
    except FORM_ERRORS as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"{user.display_name} was removed from {department.name}.")
    return redirect("departments:members", slug=department.slug)


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200
