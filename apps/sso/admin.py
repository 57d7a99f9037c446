from django.contrib import admin

from .models import GroupMapping


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    list_display = ("group", "department", "role")
    list_filter = ("role", "department")
    search_fields = ("group",)
