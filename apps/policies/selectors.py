"""Reads about policies: who has accepted, who has not, the record, the diff between versions."""

import difflib
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery

from apps.accounts.models import User
from apps.departments.access import readers_of
from apps.departments.models import Membership

from . import gate
from .models import Policy, PolicyAcceptance, PolicyVersion

DIFF_CONTEXT_LINES = 2


def policy_editors(policy: Policy) -> QuerySet[User]:
    """Who writes the policy and sees its record: admins for the company's, else the department's moderators."""
    if policy.department.is_company_wide:
        return User.objects.filter(is_active=True, is_staff=True)
    managers = Q(memberships__department=policy.department, memberships__role=Membership.Role.MANAGER)
    admins_in = Q(memberships__department=policy.department, is_staff=True)
    return User.objects.filter(managers | admins_in, is_active=True).distinct()


def _accepted_required(policy: Policy) -> QuerySet[PolicyAcceptance]:
    return PolicyAcceptance.objects.filter(policy=policy, version__gte=policy.required_version)


def pending_readers(policy: Policy) -> QuerySet[User]:
    """The policy's readers who have not accepted its required version."""
    return readers_of(policy.department).exclude(pk__in=_accepted_required(policy).values("user_id"))


def acceptance_counts(policy: Policy) -> tuple[int, int]:
    """(readers who accepted the required version, all readers): two queries."""
    readers = readers_of(policy.department)
    accepted = readers.filter(pk__in=_accepted_required(policy).values("user_id")).count()
    return accepted, readers.count()


def readers_with_acceptance(policy: Policy) -> QuerySet[User]:
    """Every reader with `accepted_version` and `accepted_at` (their latest acceptance), in one query."""
    latest = PolicyAcceptance.objects.filter(policy=policy, user=OuterRef("pk")).order_by("-version", "-accepted_at")
    return (
        readers_of(policy.department)
        .select_related("profile")
        .annotate(
            accepted_version=Subquery(latest.values("version")[:1]),
            accepted_at=Subquery(latest.values("accepted_at")[:1]),
        )
    )


def acceptance_rows(policy: Policy):
    """The compliance record, oldest first: (name, e-mail, version, accepted at) for every acceptance."""
    return (
        PolicyAcceptance.objects.filter(policy=policy)
        .select_related("user__profile")
        .order_by("accepted_at", "id")
        .values_list("user__profile__display_name", "user__email", "version", "accepted_at")
    )


def latest_acceptance(user, policy: Policy) -> PolicyAcceptance | None:
    return PolicyAcceptance.objects.filter(policy=policy, user_id=user.pk).order_by("-version").first()


def pending_versions(user) -> list[PolicyVersion]:
    """The current version of every policy `user` must still accept, company first (one query once cached)."""
    pending = gate.pending_for(user)
    if not pending:
        return []
    wanted = Q()
    for requirement in pending:
        wanted |= Q(policy_id=requirement.policy_id, number=requirement.current_version)
    versions = PolicyVersion.objects.filter(wanted).select_related("policy__department")
    return sorted(versions, key=lambda v: (not v.policy.department.is_company_wide, v.policy.department.name))


def my_versions(user) -> dict[int, int]:
    """{policy id: the newest version `user` accepted}."""
    rows = PolicyAcceptance.objects.filter(user_id=user.pk).values("policy_id").annotate(v=Max("version"))
    return {row["policy_id"]: row["v"] for row in rows}


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "gap"
    text: str
    old_number: int | None
    new_number: int | None


def diff(old: PolicyVersion, new: PolicyVersion) -> list[DiffLine]:
    """Line by line, what changed from `old` to `new` (difflib), with a little unchanged context around each change."""
    a, b = old.body.splitlines(), new.body.splitlines()
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(DIFF_CONTEXT_LINES):
        if lines:
            lines.append(DiffLine("gap", "…", None, None))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", a[i], i + 1, j1 + k + 1) for k, i in enumerate(range(i1, i2))]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("removed", a[i], i + 1, None) for i in range(i1, i2)]
            if tag in ("replace", "insert"):
                lines += [DiffLine("added", b[j], None, j + 1) for j in range(j1, j2)]
    return lines
