"""Profiles in the admin site: to look up, not to change.

`people.services.profile_update` renders and sanitises the bio, refuses a manager loop in
the org chart, and drops the cached post cards that show the person's name; the admin's
form would save the row without any of it. Admins edit anyone's profile on its own page
(`/people/<id>/edit/`).
"""

from django.contrib import admin

from apps.core.admin_read_only import ReadOnlyAdmin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("display_name", "user", "job_title", "location")
    search_fields = ("display_name", "user__email", "job_title")
