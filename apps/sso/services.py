"""Signing in with the company's identity provider: who gets in, just-in-time accounts, departments from groups.

Called by the OIDC backend once the provider's ID token has been verified; everything here is
about the verified claims. `acting_user=None` in the account and membership services: the
company directory is the actor (the audit log records it as the system, with the method).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.services import user_create, validate_company_email
from apps.audit.services import record
from apps.core.errors import Invalid
from apps.departments.models import Membership
from apps.departments.services import membership_remove, membership_set

from .models import GroupMapping


class SignInRefused(Exception):
    """A verified identity that may not sign in here; `message` is what the person reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def sso_sign_in(*, email: object, name: str = "", groups: Iterable[str] | None = None, method: str) -> User:
    """The account for a verified identity, created on first sign-in unless SSO_REQUIRE_PROVISIONED."""
    try:
        email = validate_company_email(str(email or ""))
    except Invalid as refusal:
        record(
            "auth.login_failed", actor_email=str(email or "")[:254], detail={"method": method, "reason": refusal.code}
        )
        raise SignInRefused(
            "Your company account's e-mail address is not one of the company's domains, so it cannot sign in here."
        ) from None
    user = User.objects.filter(email=email).first()
    if user is None:
        if settings.SSO_REQUIRE_PROVISIONED:
            record("auth.login_failed", actor_email=email, detail={"method": method, "reason": "not_provisioned"})
            raise SignInRefused("You have no intranet account yet: ask your administrator to provision it.")
        user = user_create(acting_user=None, email=email, display_name=name[:120])
    if not user.is_active:
        record("auth.login_failed", actor_email=email, detail={"method": method, "reason": "deactivated"})
        raise SignInRefused("Your intranet account is deactivated.")
    if groups is not None:
        apply_group_mappings(user=user, groups=groups)
    return user


def apply_group_mappings(*, user: User, groups: Iterable[str]) -> None:
    """Membership follows the directory: mapped groups in, mapped departments without their group out."""
    groups = {str(group) for group in groups}
    mappings = list(GroupMapping.objects.select_related("department"))
    wanted: dict[int, tuple] = {}
    for mapping in mappings:
        if mapping.group in groups:
            current = wanted.get(mapping.department_id)
            # Manager wins when two groups map to the same department.
            if current is None or mapping.role == GroupMapping.Role.MANAGER:
                wanted[mapping.department_id] = (mapping.department, mapping.role)
    for department, role in wanted.values():
        membership_set(acting_user=None, department=department, user=user, role=role)
    mapped = {mapping.department_id: mapping.department for mapping in mappings}
    held = Membership.objects.filter(user=user, department_id__in=set(mapped) - set(wanted))
    for department_id in held.values_list("department_id", flat=True):
        membership_remove(acting_user=None, department=mapped[department_id], user=user)
