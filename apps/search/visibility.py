"""Who finds what: the audiences of documents, and the keys a reader holds, from each app's own rule.

The department audiences ask `apps.departments.access` (the one read rule); chat's private
rooms and questions register theirs in their `searchable.py` from their own `visible_to`.
A search computes the reader's keys once, in one query (`reader_keys`, whose SQL is compiled
once per reader), and then filters
documents with a literal `audience_key IN (...)`: PostgreSQL combines that with the
full-text index on the same table, where an OR of per-kind subqueries made it scan.
"""

import threading
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet, Value

from apps.departments.access import departments_seen_by, readable_department_ids

from .registry import Audience, audiences, register_audience
from .sql import USERS, placeholders


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


# A department's content (posts, comments, its room, ideas, files, plans, ...): its readers.
DEPARTMENT = Audience("department", 1, readable_department_ids)
# A department's name, description and mission: whoever may open its page (admins too).
PAGE = Audience("page", 2, lambda user: departments_seen_by(user).values("pk"))
# The directory: every signed-in colleague, and only active people are found.
EVERYONE = Audience("everyone", 3, lambda user: [0] if _signed_in(user) else [], active_author=True)
for _audience in (DEPARTMENT, PAGE, EVERYONE):
    register_audience(_audience)


# Building and compiling the audiences' querysets (a union of five apps' rules) was most of a
# search's Python time, several times a whole trivial page. Their SQL depends only on who
# asks, never on the data (the rules are lazy querysets of the user's id and flags; see
# `registry.Audience`), so it is compiled once per reader and run on every search: what the
# reader holds is always read from the database at that moment.
_COMPILED_MAX = 4096


@dataclass(frozen=True)
class _Compiled:
    sql: tuple[str, tuple] | None  # the union of the audiences whose keys are querysets
    listed: tuple[Audience, ...]  # the audiences whose keys are plain lists: asked every time


_compiled: dict[tuple, _Compiled] = {}
_compiled_lock = threading.Lock()


def _compile(user) -> _Compiled:
    branches: list[QuerySet] = []
    listed: list[Audience] = []
    for audience in audiences():
        keys = audience.keys(user)
        if isinstance(keys, QuerySet):
            field = keys.query.values_select[0] if keys.query.values_select else "pk"
            branches.append(keys.order_by().values_list(Value(audience.code), field))
        else:
            listed.append(audience)
    if not branches:
        return _Compiled(None, tuple(listed))
    first, *rest = branches
    union = first.union(*rest, all=True).order_by() if rest else first
    try:
        return _Compiled(union.query.sql_with_params(), tuple(listed))
    except EmptyResultSet:  # every rule says "nothing" (none())
        return _Compiled(None, tuple(listed))


def _compiled_for(user) -> _Compiled:
    shape = (connection.vendor, len(audiences()), user.pk, user.is_active, user.is_staff, user.is_superuser)
    compiled = _compiled.get(shape)
    if compiled is None:
        compiled = _compile(user)
        with _compiled_lock:
            if len(_compiled) >= _COMPILED_MAX:
                _compiled.clear()
            _compiled[shape] = compiled
    return compiled


def reader_keys(user) -> dict[str, list[int]]:
    """The audience keys `user` holds, by audience name, in one query."""
    if not _signed_in(user):
        return {}
    compiled = _compiled_for(user)
    rows: list[tuple[int, int]] = []
    if compiled.sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(*compiled.sql)
            rows += cursor.fetchall()
    for audience in compiled.listed:
        rows += [(audience.code, int(k)) for k in audience.keys(user)]
    by_code = {a.code: a for a in audiences()}
    held: dict[str, set[int]] = {}
    for code, object_id in rows:
        audience = by_code[int(code)]
        held.setdefault(audience.name, set()).add(audience.key(object_id))
    return {name: sorted(keys) for name, keys in held.items()}


def condition_sql(keys: dict[str, list[int]], alias: str, only: set[str] | None = None) -> tuple[str, list] | None:
    """Documents of these keys (of the `only` audiences, if given) as SQL over the document row
    `alias`; None when the reader holds none of them (nothing can match)."""
    plain: list[int] = []
    with_author: list[int] = []
    for audience in audiences():
        if only is None or audience.name in only:
            (with_author if audience.active_author else plain).extend(keys.get(audience.name, []))
    parts: list[str] = []
    if plain:
        parts.append(f"{alias}.audience_key IN ({placeholders(plain)})")
    if with_author:
        parts.append(  # our SQL; the keys are parameters
            f"({alias}.audience_key IN ({placeholders(with_author)}) AND ({alias}.author_id IS NULL"  # noqa: S608
            f" OR {alias}.author_id NOT IN (SELECT u.id FROM {USERS} u WHERE NOT u.is_active)))"
        )
    if not parts:
        return None
    return "(" + " OR ".join(parts) + ")", [*plain, *with_author]
