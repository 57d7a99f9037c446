from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "job_title", "location")
    search_fields = ("display_name", "user__email", "job_title")
    autocomplete_fields = ["user", "manager"]
    readonly_fields = ("bio_html", "photo", "photo_thumbnail")
