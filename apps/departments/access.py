"""Who reads a department's content, who writes it, and who administers departments.

This is the one file that answers "who can read this?" for every app: the feed, chat,
idea boards, notifications, uploaded files, live topics, and every app still to come.
No other module restates the rule; they ask here.

The rule
--------
- A department's *content* (posts, comments, chat in its room, ideas, polls, files,
  videos, plans, ...) is read by its members. The company-wide space ("All staff") is
  read by every active user, with or without a membership row.
- Readers write: they post, comment, chat, vote and upload (`can_contribute`), once every
  condition other apps put on writing holds (`register_write_gate`: e.g. the communication
  policy of the space, accepted). Reading never depends on those conditions.
- Managers moderate their department's content (announce, delete others' posts, answer
  ideas, ...). An admin who is a member moderates like a manager (`can_moderate`).
- Admins *administer*: they create, rename and delete departments and manage their
  members (`can_manage_department`). They do **not** read a department's content
  unless they are members: confidential content stays with the people it is for. This
  is deliberate (README, "Who sees what"). Where an admin ever needs an exception (say,
  moderating a reported item), it is added here, under its own name, never in an app.
- A department's *metadata* (name, description, mission, member list) is seen by its
  readers and by admins (`can_see_department`).

Answers: a department the user may not see answers 404 (`NotFound`: its existence does
not leak); one they may see but not change answers 403 (`Forbidden`).
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.core.compiled import PersonQuery
from apps.core.errors import Forbidden, Invalid, NotFound
from apps.core.ids import parse_id

from .models import Department, Membership, role_of

UNKNOWN_DEPARTMENT = "There is no such department, or you do not have access to it."


def _is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return _is_signed_in(user) and bool(user.is_staff)


# --- Reading content: the rule, as a query, a predicate and an audience


def readable_department_ids(user) -> QuerySet:
    """The ids of departments whose content `user` reads, as a subquery.

    Filter content with `department_id__in=readable_department_ids(user)`: a plain IN on the
    content's own column lets PostgreSQL use its (department, ...) indexes, where an OR
    across a join to departments made it scan every row.
    """
    if not _is_signed_in(user):
        return Department.objects.none().values("pk")
    return Department.objects.filter(
        Q(is_company_wide=True) | Q(pk__in=Membership.objects.filter(user_id=user.pk).values("department_id"))
    ).values("pk")


_READABLE = PersonQuery(lambda user: readable_department_ids(user).values_list("pk", "slug").order_by("pk"))


def readable_departments(user) -> list[tuple[int, str]]:
    """(id, slug) of each department whose content `user` reads, now: an audience to cache a page for.

    The rule of `readable_department_ids`, its SQL compiled once per process (apps/core/compiled.py).
    """
    return _READABLE.rows(user) if _is_signed_in(user) else []


def role_in(user, department: Department) -> str | None:
    """The user's role in the department (`member` or `manager`), None if they do not read it.

    Uses `department.my_role` when the department came from `with_role_of(user)` for this user.
    """
    if not _is_signed_in(user):
        return None
    role = getattr(department, "my_role", None) if getattr(department, "my_role_of", None) == user.pk else None
    if role is None:
        role = Membership.objects.filter(department=department, user_id=user.pk).values_list("role", flat=True).first()
    if role is None and department.is_company_wide:
        return Membership.Role.MEMBER
    return role


def with_department_role(rows: QuerySet, user, via: str = "department") -> QuerySet:
    """Rows with their department (at `via`) and the user's role in it, for `keep_department_role`.

    A gatekeeper that reads content and its department in one query reads the role there too.
    """
    return rows.select_related(via).annotate(department_role=role_of(user, via))


def keep_department_role(row, user, via: str = "department") -> None:
    """Give the row's department the role read with it (`with_department_role`): `role_in` then asks nothing."""
    department = getattr(row, via)
    if department is not None:
        department.my_role, department.my_role_of = row.department_role, user.pk


def can_read(user, department: Department) -> bool:
    """May `user` read this department's content?"""
    return role_in(user, department) is not None


def readers_of(department: Department) -> QuerySet[User]:
    """Every active user who reads the department: for fan-out, mentions and notifications."""
    users = User.objects.filter(is_active=True)
    if department.is_company_wide:
        return users
    return users.filter(memberships__department_id=department.pk)


def readers_among(department: Department, user_ids) -> set[int]:
    """Which of these users read the department (one query)."""
    ids = {int(pk) for pk in user_ids}
    if not ids:
        return set()
    return set(readers_of(department).filter(pk__in=ids).values_list("pk", flat=True))


def read_by_every_reader_of(content_department: Department, department: Department) -> bool:
    """Does everyone who reads `department` also read `content_department`'s content?

    Only `department` itself and the company-wide space: what a department's plan, goal or
    slot may link to without showing its readers something they cannot open.
    """
    return content_department.pk == department.pk or content_department.is_company_wide


def read_by_every_reader_of_q(department: Department, field: str = "department") -> Q:
    """`read_by_every_reader_of` as a filter on content whose department is `field`."""
    return Q(**{field: department}) | Q(**{f"{field}__is_company_wide": True})


def require_may_be_confidential(department: Department, is_confidential: bool, message: str) -> None:
    """Confidential means "for this department's readers only"; the company-wide space is read by everyone."""
    if is_confidential and department.is_company_wide:
        raise Invalid.field("is_confidential", message)


# --- Writing content


# A condition on writing that another app adds (e.g. the communication policy, accepted):
# `gate(user, department)` returns the refusal (a `Forbidden` with its own code and a
# detail that says what to do) or None. `department` None is a private conversation
# (a group or direct chat room), which only company-wide conditions concern. Gates are
# registered in `AppConfig.ready()`, so this module imports no app that adds one; they run
# on every write (every chat message), so they must answer from a cache.
WriteGate = Callable[[User, Department | None], Forbidden | None]
_write_gates: list[WriteGate] = []


def register_write_gate(gate: WriteGate) -> None:
    if gate not in _write_gates:
        _write_gates.append(gate)


def write_refusal(user, department: Department | None) -> Forbidden | None:
    """Why a reader may not write in `department` yet (None: a private conversation), or None if they may."""
    for gate in _write_gates:
        if (refusal := gate(user, department)) is not None:
            return refusal
    return None


def can_contribute(user, department: Department) -> bool:
    """Post, comment, chat, vote, propose and upload in the department."""
    return can_read(user, department) and write_refusal(user, department) is None


def require_contribute(user, department: Department | None) -> None:
    """`NotFound` unless `user` reads the department; a gate's `Forbidden` (e.g. `policy_not_accepted`) if one refuses.

    `department` None: a private conversation, where only the registered conditions apply.
    """
    if department is not None and not can_read(user, department):
        raise NotFound("unknown_department", UNKNOWN_DEPARTMENT)
    if (refusal := write_refusal(user, department)) is not None:
        raise refusal


def can_moderate(user, department: Department) -> bool:
    """Announce, pin, moderate and answer in the department: its managers, and admins who are members."""
    role = role_in(user, department)
    return role == Membership.Role.MANAGER or (role is not None and is_admin(user))


# --- Department metadata and administration


def departments_to_ask(user) -> QuerySet[Department]:
    """Departments a signed-in person may address a question to: every department but All staff, by name only.

    Knowing that a department exists and what it is called is what asking it needs; its
    content stays with its readers.
    """
    if not _is_signed_in(user):
        return Department.objects.none()
    return Department.objects.filter(is_company_wide=False)


def can_see_department(user, department: Department) -> bool:
    """The department's page: name, description, mission and members."""
    return is_admin(user) or can_read(user, department)


def can_manage_department(user, department: Department) -> bool:
    """Edit the description and mission, add, re-role and remove members: its managers and admins."""
    return is_admin(user) or role_in(user, department) == Membership.Role.MANAGER


def can_administer_departments(user) -> bool:
    """Create, rename and delete departments."""
    return is_admin(user)


def departments_seen_by(user) -> QuerySet[Department]:
    """Departments whose page `user` may open (metadata): all for admins, else those they read."""
    if not _is_signed_in(user):
        return Department.objects.none()
    if user.is_staff:
        return Department.objects.all()
    return Department.objects.filter(pk__in=readable_department_ids(user))


# --- Gatekeepers: the only way a view gets a department


def _seen(user, **where: object) -> QuerySet[Department]:
    # With its chat room: the department's page links to it (a query of its own otherwise).
    return departments_seen_by(user).with_role_of(user).select_related("chat_room").filter(**where).order_by("pk")[:1]


def _read(user, **where: object) -> QuerySet[Department]:
    return (
        Department.objects.filter(pk__in=readable_department_ids(user))
        .with_role_of(user)
        .filter(**where)
        .order_by("pk")[:1]
    )


# Each gatekeeper's query built and compiled once per process (3-4 ms of ORM work on every
# department page, feed and idea board): `PersonQuery` runs its SQL with the person and the key.
_SEEN_BY_SLUG = PersonQuery(lambda user, slug: _seen(user, slug=slug), key=str)
_READ_BY_SLUG = PersonQuery(lambda user, slug: _read(user, slug=slug), key=str)
_READ_BY_ID = PersonQuery(lambda user, pk: _read(user, pk=pk), key=int)


def access_department(user, slug: object, *, manage: bool = False) -> Department:
    """A department whose page `user` may see (`NotFound` otherwise); with `manage`, one they manage."""
    department = _SEEN_BY_SLUG.first(user, slug) if isinstance(slug, str) else None
    if department is None:
        raise NotFound("unknown_department", UNKNOWN_DEPARTMENT)
    if manage and not can_manage_department(user, department):
        raise Forbidden("forbidden", "Only the department's managers can do this.")
    return department


def access_department_content(user, department_ref: object, *, moderate: bool = False) -> Department:
    """A department whose content `user` reads, by slug or id (`NotFound` otherwise, admins included).

    With `moderate`, one they moderate (`Forbidden` otherwise).
    """
    if isinstance(department_ref, str):  # a slug (ids come as ints)
        department = _READ_BY_SLUG.first(user, department_ref) if department_ref else None
    elif isinstance(department_ref, int) and (pk := parse_id(department_ref)) is not None:
        department = _READ_BY_ID.first(user, pk)
    else:
        department = None
    if department is None:
        raise NotFound("unknown_department", UNKNOWN_DEPARTMENT)
    if moderate and not can_moderate(user, department):
        raise Forbidden("forbidden", "Only the department's managers can do this.")
    return department
