"""Has this person accepted the policies of this space? Asked on every write and every page load.

`apps.departments.access.can_contribute` asks `write_gate` (registered in `apps.py`) before
anyone posts, comments, chats, votes or uploads, so it runs on every chat message and must
cost no query in the steady state. Two things are cached (the default cache: Redis in
production, so every process agrees):

- the requirements: for each department with a policy, the version to accept and the
  never-share rules. One entry for everyone, dropped whenever a policy or a version is
  written (and again after commit, so a reader in between cannot keep a stale copy);
- per person, per policy and *per required version*, whether they accepted it. A new
  version changes the key, so it asks everyone again without touching any entry;
  acceptance drops the person's entry.

For the page-load check (`pending_for`), the departments a person reads are cached too,
dropped when they join or leave one.

If the cache (Redis) is unreachable, the answers come from the database instead: writing
keeps working, one query slower, rather than failing.
"""

import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from apps.core.cache import CACHE_DOWN
from apps.core.errors import Forbidden
from apps.departments.access import readable_department_ids
from apps.departments.models import Department

from .models import Policy, PolicyAcceptance

logger = logging.getLogger(__name__)

REQUIREMENTS_KEY = "policies:requirements:1"


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except CACHE_DOWN:
        logger.warning("policies: the cache is unavailable, asking the database")
        return None


def _cache_get_many(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys)
    except CACHE_DOWN:
        logger.warning("policies: the cache is unavailable, asking the database")
        return {}


def _cache_set_many(values: dict[str, Any]) -> None:
    with contextlib.suppress(*CACHE_DOWN):  # answered from the database this time; the next call tries again
        cache.set_many(values, settings.POLICY_CACHE_SECONDS)


@dataclass(frozen=True)
class Requirement:
    policy_id: int
    department_id: int
    title: str
    company_wide: bool
    version: int  # the required version
    current_version: int
    words: tuple[str, ...]
    patterns: tuple[str, ...]


def requirements() -> dict[int, Requirement]:
    """`{department id: Requirement}` for every policy that has a version (one query, then cached)."""
    found = _cache_get(REQUIREMENTS_KEY)
    if found is None:
        policies = Policy.objects.filter(required_version__gt=0).select_related("department")
        found = {
            policy.department_id: Requirement(
                policy_id=policy.pk,
                department_id=policy.department_id,
                title=policy.title,
                company_wide=policy.department.is_company_wide,
                version=policy.required_version,
                current_version=policy.current_version,
                words=tuple(policy.never_share_words),
                patterns=tuple(policy.never_share_patterns),
            )
            for policy in policies
        }
        _cache_set_many({REQUIREMENTS_KEY: found})
    return found


def forget_requirements() -> None:
    _forget([REQUIREMENTS_KEY])


def applying_in(department: Department | None) -> list[Requirement]:
    """The policies that govern writing in `department` (None: a private conversation): the company's, and its own."""
    found = requirements()
    applying = [r for r in found.values() if r.company_wide]
    if department is not None and not department.is_company_wide and department.pk in found:
        applying.append(found[department.pk])
    return applying


def _accepted_key(user_id: int, requirement: Requirement) -> str:
    return f"policies:accepted:{user_id}:{requirement.policy_id}:{requirement.version}"


def unaccepted(user, applying: Sequence[Requirement]) -> list[Requirement]:
    """Which of these policies `user` has not accepted at their required version (cached per version)."""
    if not applying or not user.is_authenticated:
        return list(applying)
    keys = {_accepted_key(user.pk, r): r for r in applying}
    known = _cache_get_many(list(keys))
    missing = [r for key, r in keys.items() if key not in known]
    if missing:
        condition = Q()
        for requirement in missing:
            condition |= Q(policy_id=requirement.policy_id, version__gte=requirement.version)
        accepted = set(PolicyAcceptance.objects.filter(condition, user_id=user.pk).values_list("policy_id", flat=True))
        fresh = {_accepted_key(user.pk, r): r.policy_id in accepted for r in missing}
        _cache_set_many(fresh)
        known.update(fresh)
    return [r for key, r in keys.items() if not known[key]]


def forget_acceptance(user_id: int, requirements_: Iterable[Requirement]) -> None:
    _forget([_accepted_key(user_id, r) for r in requirements_])


def write_gate(user, department: Department | None) -> Forbidden | None:
    """The refusal when `user` has not accepted a policy of the space (see `apps.departments.access`)."""
    pending = unaccepted(user, applying_in(department))
    if not pending:
        return None
    titles = " and the ".join(r.title for r in pending)
    return Forbidden(
        "policy_not_accepted",
        f"Please read and accept the {titles} first: until then you can read, but not post, comment, chat or "
        f"upload here. Accept it at {reverse('policies:accept')}",
    )


# --- the page-load check


def _readable_key(user_id: int) -> str:
    return f"policies:reads:{user_id}"


def _readable_departments(user) -> frozenset[int]:
    key = _readable_key(user.pk)
    found = _cache_get(key)
    if found is None:
        found = frozenset(Department.objects.filter(pk__in=readable_department_ids(user)).values_list("pk", flat=True))
        _cache_set_many({key: found})
    return found


def forget_memberships(user_id: int) -> None:
    _forget([_readable_key(user_id)])


def pending_for(user) -> list[Requirement]:
    """Every policy `user` must still accept: the company's and those of the departments they read."""
    if not (user.is_authenticated and user.is_active):
        return []
    found = requirements()
    if not found:
        return []
    applying = [r for r in found.values() if r.company_wide]
    if any(not r.company_wide for r in found.values()):
        reads = _readable_departments(user)
        applying += [r for r in found.values() if not r.company_wide and r.department_id in reads]
    return unaccepted(user, applying)


def _forget(keys: list[str]) -> None:
    def delete() -> None:
        try:
            cache.delete_many(keys)
        except CACHE_DOWN:
            logger.warning("policies: could not drop %d cached answers (the cache is unavailable)", len(keys))

    delete()
    transaction.on_commit(delete)
