"""Departments in the admin site: to look up, not to change.

Who belongs to a department is who reads its content, so every change goes through the
services (`apps.departments.services`): they check who may make it, record it in the audit
log, take the person's open sockets out of the chat room at once, and run what chat and the
communication policy attach to a membership. The admin's forms would write the rows
directly and skip all of that, so departments and memberships are read-only here; admins
create, edit and delete departments and manage members on the departments' own pages
(/departments/).
"""

from django.contrib import admin

from apps.core.admin_read_only import ReadOnlyAdmin

from .models import Department, Membership


class MembershipInline(ReadOnlyAdmin, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role")
    readonly_fields = ("user", "role")


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "is_company_wide", "is_confidential_by_default")
    search_fields = ("name", "slug")
    inlines = [MembershipInline]
