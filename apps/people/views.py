from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.errors import FORM_ERRORS, Invalid
from apps.core.forms import add_service_errors
from apps.core.pagination import keyset_page
from apps.departments.models import Department
from apps.plans.models import Role

from . import services
from .access import access_profile, can_edit_profile, can_set_manager
from .cards import person_cards
from .forms import ManagerForm, PhotoForm, ProfileForm
from .models import Profile
from .org_chart import build_org_chart
from .timezones import zone_of

DIRECTORY_PAGE_SIZE = 48


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    profiles = Profile.objects.visible_to(request.user).search(query).select_related("user")
    page = keyset_page(
        profiles, fields=("display_name", "id"), cursor=request.GET.get("cursor"), size=DIRECTORY_PAGE_SIZE
    )
    return render(request, "people/directory.html", {"page": page, "people": person_cards(page.items), "query": query})


@require_safe
def profile_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = access_profile(request.user, user_id)
    reports = Profile.objects.visible_to(request.user).filter(manager_id=profile.user_id).select_related("user")
    departments = (
        Department.objects.visible_to(request.user)
        .filter(memberships__user_id=profile.user_id)
        .order_by("name")
        .distinct()
    )
    return render(
        request,
        "people/profile_detail.html",
        {
            "profile": profile,
            "reports": reports,
            "departments": departments,
            "can_edit": can_edit_profile(request.user, profile),
            # The game-plan roles they hold, in the plans the viewer reads (apps/plans).
            "plan_roles": Role.objects.visible_to(request.user)
            .filter(holders=profile.user_id)
            .select_related("plan__department"),
        },
    )


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    profile = access_profile(request.user, user_id or request.user.pk, write=True)
    form = ProfileForm(request.POST or None, instance=profile)
    manager_form = None
    if can_set_manager(request.user):
        manager_form = ManagerForm(request.POST or None, initial={"manager": profile.manager_id})
    if request.method == "POST" and form.is_valid() and (manager_form is None or manager_form.is_valid()):
        extra = {}
        if manager_form is not None:
            manager = manager_form.cleaned_data["manager"]
            extra["manager_id"] = manager.pk if manager else None
        try:
            fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
            extra["away_until"] = form.cleaned_data["away_until"]
            services.profile_update(acting_user=request.user, profile=profile, **fields, **extra)
        except FORM_ERRORS as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("people:detail", user_id=profile.user_id)
    return render(
        request,
        "people/profile_edit.html",
        {"profile": profile, "form": form, "manager_form": manager_form, "photo_form": PhotoForm()},
    )


@require_POST
def photo_upload(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = access_profile(request.user, user_id, write=True)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.profile_set_photo(acting_user=request.user, profile=profile, upload=form.cleaned_data["photo"])
        except FORM_ERRORS as error:
            form.add_error("photo", error.detail)
        else:
            messages.success(request, "Photo updated.")
            return redirect("people:edit_other", user_id=profile.user_id)
    status = 400
    return render(
        request,
        "people/profile_edit.html",
        {"profile": profile, "form": ProfileForm(instance=profile), "photo_form": form},
        status=status,
    )


@require_POST
def photo_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = access_profile(request.user, user_id, write=True)
    services.profile_remove_photo(acting_user=request.user, profile=profile)
    messages.success(request, "Photo removed.")
    return redirect("people:edit_other", user_id=profile.user_id)


@require_safe
def org_chart(request: HttpRequest) -> HttpResponse:
    profiles = Profile.objects.visible_to(request.user).select_related("user")
    return render(request, "people/org_chart.html", {"roots": build_org_chart(profiles)})


@require_POST
def time_zone(request: HttpRequest) -> HttpResponse:
    """The browser's zone, sent at the person's first visit; it never overrides one they chose."""
    try:
        profile = services.profile_set_time_zone(
            acting_user=request.user, time_zone=request.POST.get("time_zone"), only_if_unset=True
        )
    except Invalid as error:
        return JsonResponse({"detail": error.detail, "code": error.code}, status=400)
    return JsonResponse({"time_zone": profile.time_zone})


@require_safe
def person_card(request: HttpRequest, user_id: int) -> HttpResponse:
    """The small card shown when hovering or focusing a person's name: photo, title, departments, local time."""
    profile = access_profile(request.user, user_id)
    departments = Department.objects.visible_to(request.user).filter(memberships__user_id=profile.user_id)
    zone = zone_of(profile.user)
    return render(
        request,
        "people/_hover_card.html",
        {
            "profile": profile,
            "departments": departments.order_by("name").distinct()[:4],
            "local_time": timezone.localtime(timezone=zone) if profile.time_zone else None,
        },
    )
