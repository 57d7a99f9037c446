"""Who reads, edits and audits a communication policy. Who reads a *department* is decided in
`apps.departments.access`; this module adds only what is particular to policies.

- A policy is read by the readers of its department (everyone, for the company's), who
  are the people it applies to, and by its editors.
- The company policy is edited by admins; a department's by the department's moderators
  (its managers, and admins who are members). Editors also see who has accepted which
  version, send reminders and export the record.

A policy the user may not read answers `NotFound`, like one that does not exist.
"""

from django.db.models import OuterRef, Subquery

from apps.core.errors import Forbidden, NotFound
from apps.core.ids import parse_id
from apps.departments.access import can_moderate, can_read, is_admin
from apps.departments.models import Department

from .models import Policy

UNKNOWN_POLICY = "There is no such policy, or you do not have access to it."


def can_edit_policy(user, department: Department) -> bool:
    """Write the policy of `department` (and see its acceptance record)."""
    if department.is_company_wide:
        return is_admin(user)
    return can_moderate(user, department)


def can_read_policy(user, policy: Policy) -> bool:
    return can_read(user, policy.department) or can_edit_policy(user, policy.department)


def applies_to(user, policy: Policy) -> bool:
    """Is this policy one `user` must accept? (Those who read its space.)"""
    return can_read(user, policy.department)


def access_policy(user, policy_id: object, *, edit: bool = False) -> Policy:
    """The only way to get a policy: `NotFound` if it is not the user's to read, `Forbidden` if `edit` is refused."""
    pk = parse_id(policy_id)
    # The user's role in the policy's department comes in the same query, so the checks below cost none.
    role = Subquery(Department.objects.with_role_of(user).filter(pk=OuterRef("department_id")).values("my_role")[:1])
    policy = (
        Policy.objects.select_related("department").annotate(department_role=role).filter(pk=pk).first() if pk else None
    )
    if policy is not None:
        policy.department.my_role = policy.department_role
        policy.department.my_role_of = user.pk
    if policy is None or not can_read_policy(user, policy):
        raise NotFound("unknown_policy", UNKNOWN_POLICY)
    if edit and not can_edit_policy(user, policy.department):
        if policy.department.is_company_wide:
            raise Forbidden("forbidden", "Only admins edit the company policy and see who accepted it.")
        raise Forbidden("forbidden", "Only the department's managers edit its policy and see who accepted it.")
    return policy


def policy_topic_checker(user, policy_id: int) -> bool:
    """May `user` watch "policy:<id>" (new versions of a policy they read)?"""
    policy = Policy.objects.select_related("department").filter(pk=policy_id).first()
    return policy is not None and can_read_policy(user, policy)
