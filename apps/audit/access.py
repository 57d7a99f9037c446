"""Who reads the audit log: admins, and auditors (people given the `audit.view_auditevent`
permission in the admin site, directly or through a group) who need not be admins."""

from apps.core.errors import NotFound

AUDITOR_PERMISSION = "audit.view_auditevent"


def can_read_audit(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.has_perm(AUDITOR_PERMISSION)


def require_audit_reader(user) -> None:
    """The log's existence is no secret, but its pages answer 404 like anything one may not see."""
    if not can_read_audit(user):
        raise NotFound("not_found", "Not found.")
