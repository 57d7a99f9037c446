"""A query whose SQL depends only on who asks, built and compiled once per process.

The ORM builds and compiles a queryset on every call. For a query with nested subqueries
that is most of its cost: the header's two badges took 6.9 ms of CPU to build and compile
and 0.3 ms to run, on every page (BENCHMARKS.md "Pages"). When the query has the same shape
for every signed-in, active person, `PersonQuery` builds it for a stand-in id, and from then
on runs that SQL with the person's id in the stand-in's places.

It checks that this is safe before it caches anything: two builds for two different
stand-ins (the second one staff and superuser too) must give the same SQL, with parameters
that differ exactly where the stand-ins' ids are. A query that reads anything else that
changes (the time, a setting, whether the person is an admin) fails that check and is
simply built for each call, as before.
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

# Ids no row has and no query uses as a constant.
_STAND_INS = (-7_654_321_987, -7_654_321_989)
_UNSAFE = object()


class PersonQuery:
    """`build(user)` compiled once; `rows(user)` runs it (raw rows, without the ORM's converters)."""

    def __init__(self, build: Callable[[Any], QuerySet]) -> None:
        self.build = build
        self._compiled: tuple[str, str, tuple, frozenset[int]] | object | None = None

    def _compile(self) -> tuple[str, str, tuple, frozenset[int]] | object:
        user_model = get_user_model()
        first = self.build(user_model(pk=_STAND_INS[0], is_active=True))
        second = self.build(user_model(pk=_STAND_INS[1], is_active=True, is_staff=True, is_superuser=True))
        (sql_a, params_a), (sql_b, params_b) = first.query.sql_with_params(), second.query.sql_with_params()
        places = frozenset(i for i, value in enumerate(params_a) if value == _STAND_INS[0])
        safe = (
            bool(places)
            and sql_a == sql_b
            and len(params_a) == len(params_b)
            and all(
                (b == _STAND_INS[1]) if i in places else (a == b)
                for i, (a, b) in enumerate(zip(params_a, params_b, strict=True))
            )
        )
        if not safe:
            logger.warning("PersonQuery %s depends on more than the person: built for each call", self.build)
            return _UNSAFE
        return first.db, sql_a, tuple(params_a), places

    def rows(self, user: "User") -> list[tuple]:
        if self._compiled is None:
            self._compiled = self._compile()
        if self._compiled is _UNSAFE or not (user.is_authenticated and user.is_active):
            return _run(self.build(user))
        alias, sql, params, places = self._compiled
        return _fetch(alias, sql, tuple(user.pk if i in places else value for i, value in enumerate(params)))


def _run(queryset: QuerySet) -> list[tuple]:
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. `.none()` for someone who reads nothing
        return []
    return _fetch(queryset.db, sql, params)


def _fetch(alias: str, sql: str, params: tuple) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
