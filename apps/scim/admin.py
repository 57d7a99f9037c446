from django.contrib import admin, messages

from apps.audit.services import record

from .models import ScimGroup, ScimToken, hash_token


@admin.register(ScimToken)
class ScimTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "created_at", "created_by", "last_used_at")
    fields = ("name", "is_active")

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            key = ScimToken.new_key()
            obj.key_hash, obj.created_by = hash_token(key), request.user
            super().save_model(request, obj, form, change)
            record("auth.token_created", actor=request.user, target=obj, detail={"kind": "scim"})
            messages.warning(request, f"The SCIM token (shown only now; paste it into the identity provider): {key}")
            return
        super().save_model(request, obj, form, change)
        if "is_active" in form.changed_data and not obj.is_active:
            record("auth.token_revoked", actor=request.user, target=obj, detail={"kind": "scim"})


@admin.register(ScimGroup)
class ScimGroupAdmin(admin.ModelAdmin):
    """Read only: the identity provider owns these. Which department a group opens is set under
    "Group mappings" (the same table as the OIDC groups claim)."""

    list_display = ("display_name", "external_id", "created_at")
    search_fields = ("display_name", "external_id")
    readonly_fields = ("display_name", "external_id", "members", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
