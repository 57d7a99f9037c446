from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apps.core.admin_read_only import ReadOnlyAdmin

from .access import can_read_audit
from .models import AuditEvent
from .services import export_csv


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Browse and filter; nobody adds, changes or deletes entries (the database refuses too)."""

    list_display = ("at", "action", "actor_email", "target_type", "target_repr", "ip_address")
    list_filter = ("action", "target_type", ("at", admin.DateFieldListFilter))
    search_fields = ("actor_email", "target_repr", "ip_address", "request_id")
    date_hierarchy = "at"
    actions = ["export_selected_as_csv"]
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    # Every admin reads the log (no separate permission to grant); nobody writes it.
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_read_audit(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_audit(request.user)

    @admin.action(description="Export selected entries as CSV", permissions=["view"])
    def export_selected_as_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        body = export_csv(
            acting_user=request.user, events=queryset.order_by("at", "id"), filters={"admin_selection": "1"}
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response
