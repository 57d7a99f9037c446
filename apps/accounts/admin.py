from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.errors import Invalid

from . import services, two_factor
from .models import User


class CompanyUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        try:
            return services.validate_company_email(self.cleaned_data["email"])
        except Invalid as error:
            raise forms.ValidationError(error.detail, code=error.code) from None


class CompanyUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Admins may also manage accounts here; deactivation through the API also closes sockets."""

    add_form = CompanyUserCreationForm
    form = CompanyUserChangeForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email", "profile__display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    actions = ["reset_two_factor", "erase_person"]

    @admin.action(description="Erase person (personal data)…")
    def erase_person(self, request, queryset):
        """One at a time, through a confirmation page that says what this company's erasure does."""
        if queryset.count() != 1:
            messages.error(request, "Select exactly one person to erase.")
            return None
        return redirect("privacy:erase", user_id=queryset.get().pk)

    @admin.action(description="Reset two-factor login (lost phone or key)")
    def reset_two_factor(self, request, queryset) -> None:
        """Removes the app, recovery codes and passkeys; each reset is in the audit log with the admin's name."""
        reset = [user for user in queryset if two_factor.two_factor_reset(acting_user=request.user, user=user)]
        messages.success(request, f"Two-factor login reset for {len(reset)} account(s).")

    def save_model(self, request, obj, form, change) -> None:
        if change and "is_active" in form.changed_data and not obj.is_active:
            super().save_model(request, obj, form, change)
            services.user_deactivate(acting_user=request.user, user=obj)
            return
        super().save_model(request, obj, form, change)


@login_not_required
def _admin_login(request, extra_context=None):
    """The admin site signs in through the intranet's own login (with its second factor and audit entries).

    Someone signed in who is not an admin gets a 403: the intranet's login sends a signed-in
    person straight on to `next`, which was the admin site again (a redirect loop).
    """
    next_url = request.GET.get("next") or "/admin/"
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(next_url if url_has_allowed_host_and_scheme(next_url, allowed_hosts=None) else "/admin/")
        raise PermissionDenied("The admin site is for administrators.")
    return redirect_to_login(next_url)


admin.site.login = _admin_login
