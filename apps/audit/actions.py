"""Every action the audit log records, with the label the viewer and the admin site show.

Names are `<area>.<verb>`; a service records one of these and nothing else, so the viewer's
filter lists every kind of entry there can be.
"""

ACTIONS: dict[str, str] = {
    "auth.login": "Signed in with a password",
    "auth.login_failed": "Failed sign-in",
    "auth.locked_out": "Locked out after failed sign-ins",
    "auth.logout": "Signed out",
    "auth.token_created": "API token created",
    "auth.token_revoked": "API token revoked",
    "auth.password_changed": "Password changed",
    "auth.2fa_enabled": "Two-factor login turned on",
    "auth.2fa_disabled": "Two-factor login turned off",
    "auth.2fa_failed": "Wrong two-factor code",
    "auth.recovery_codes": "Recovery codes generated",
    "auth.2fa_reset": "Two-factor login reset by an admin",
    "auth.passkey_added": "Passkey registered",
    "auth.passkey_removed": "Passkey removed",
    "auth.passkey_failed": "Passkey sign-in refused",
    "user.created": "Account created",
    "user.admin_changed": "Admin role changed",
    "user.deactivated": "Account deactivated",
    "user.erased": "Person erased (personal data removed)",
    "user.reactivated": "Account reactivated",
    "department.created": "Department created",
    "department.updated": "Department changed",
    "department.deleted": "Department deleted",
    "membership.added": "Member added",
    "membership.role_changed": "Member's role changed",
    "membership.removed": "Member removed",
    "content.deleted": "Content deleted",
    "content.moderated": "Content deleted by a moderator",
    "policy.created": "Policy created",
    "policy.published": "Policy version published",
    "policy.rules_changed": "Policy's never-share rules changed",
    "scim.request": "SCIM request from the identity provider",
    "privacy.export_requested": "Personal data export requested",
    "privacy.export_downloaded": "Personal data export downloaded",
    "audit.exported": "Audit log exported",
    "audit.purged": "Old audit entries removed (retention)",
}
