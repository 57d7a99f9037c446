"""A query whose SQL depends only on who asks, built and compiled once per process.

The ORM builds and compiles a queryset on every call. For a query with nested subqueries
that is most of its cost: the header's two badges took 6.9 ms of CPU to build and compile
and 0.3 ms to run, on every page (BENCHMARKS.md "Pages"). When the query has the same shape
for every signed-in, active person, `PersonQuery` builds it for a stand-in id, and from then
on runs that SQL with the person's id in the stand-in's places.

It checks that this is safe before it caches anything: two builds for two different
stand-ins (different ids and e-mail addresses, the second one a superuser) must give the
same SQL, with parameters that differ exactly where the stand-ins' ids (and keys) are. A
query that reads anything else that changes (the time, a setting, the address) fails that
check and is simply built for each call, as before. Admins and everyone else are compiled
apart, since being an admin changes what some rules return (a department's page).

`objects(user)` gives the model instances the ORM would (with `select_related` and
annotations), built from those rows the way Django's ModelIterable builds them: the chat
sidebar's rooms took 2-3 ms to build and compile on every chat page. The compiler kept for
that is only read after it compiled (its select list and the converters found then), and the
converters are called with the asking thread's own connection.

`KeyQuery` is the same for SQL that depends only on a key (a department's or a room's id,
a tuple of ids), for pages whose gatekeeper has already admitted the asker.
"""

import functools
import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

# Ids no row has and no query uses as a constant; keys (a slug, an id, n ids) likewise.
_STAND_INS = (-7_654_321_987, -7_654_321_989)
_KEY_STAND_INS = {int: (-7_654_321_988, -7_654_321_990), str: ("stand-in-key-7654321988", "stand-in-key-7654321990")}
_UNSAFE = object()
MAX_IDS = 200  # longer tuples of ids are built for each call: a compilation per length is kept


def _key_stand_ins(kind: type, size: int) -> tuple:
    if kind is tuple:  # n distinct ids each: an `IN` of n values
        return tuple(-7_654_400_000 - i for i in range(size)), tuple(-7_654_600_000 - i for i in range(size))
    return _KEY_STAND_INS[kind] if kind else (None, None)


class _Compiled:
    """One stand-in's SQL, where the person's id and the key go, and what turns its rows into instances."""

    def __init__(self, queryset: QuerySet, compiler: Any, sql: str, params: tuple, places: dict[int, str]) -> None:
        self.alias, self.sql, self.params, self.places = queryset.db, sql, params, places
        self.fetch_mode = queryset._fetch_mode
        self.select, self.klass_info = compiler.select, compiler.klass_info
        self.annotations = tuple((compiler.annotation_col_map or {}).items())
        self.converters = tuple(compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]]).items())

    def params_for(self, user: "User", key: object) -> tuple:
        def value_of(place: str | int) -> object:
            return user.pk if place == "user" else key if place == "key" else key[place]

        return tuple(value_of(self.places[i]) if i in self.places else value for i, value in enumerate(self.params))

    def instances(self, rows: list[tuple]) -> list[Model]:
        """What ModelIterable yields for these rows (converters, the model, select_related, annotations)."""
        connection = connections[self.alias]
        info = self.klass_info
        fields = info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [f[0].target.attname for f in self.select[start:end]]
        populators = get_related_populators(info, self.select, self.alias, self.fetch_mode)
        objects: list[Model] = []
        peers: list = []
        for raw in rows:
            row = list(raw)
            for pos, (convs, expression) in self.converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            obj = info["model"].from_db(self.alias, init_list, row[start:end], fetch_mode=self.fetch_mode)
            if self.fetch_mode.track_peers:
                obj._state.peers = peers
            for populator in populators:
                populator.populate(row, obj)
            for name, pos in self.annotations:
                setattr(obj, name, row[pos])
            objects.append(obj)
        if self.fetch_mode.track_peers:
            peers.extend(weakref.ref(obj) for obj in objects)
        return objects


class PersonQuery:
    """`build(user)` (or `build(user, key)`) compiled once; `rows(...)` runs it, `objects(...)` gives instances.

    `key` is the type of a second argument (`int` or `str`: a room's id, a department's slug;
    `tuple`: distinct ids, for an `IN`, compiled once per number of ids) that goes into the
    SQL as plain parameters. Admins and others get a compilation each, since who is an admin
    changes what some rules return.
    """

    def __init__(self, build: Callable[..., QuerySet], *, key: type | None = None, person: bool = True) -> None:
        if key not in (None, int, str, tuple):
            raise TypeError("key must be int, str or tuple")
        if not (person or key):
            raise TypeError("a query that reads neither the person nor a key needs no compiling")
        self.build, self.key, self.person = build, key, person
        self._compiled: dict[bool | tuple[bool, int], _Compiled | object] = {}

    def _build(self, user: "User", key: object) -> QuerySet:
        return self.build(user) if self.key is None else self.build(user, key)

    def _stand_in(self, n: int, staff: bool) -> "User":
        return get_user_model()(
            pk=_STAND_INS[n], email=f"stand-in-{n}@invalid", is_active=True, is_staff=staff, is_superuser=bool(n)
        )

    def _compile(self, staff: bool, size: int) -> _Compiled | object:
        keys = _key_stand_ins(self.key, size)
        first, second = self._build(self._stand_in(0, staff), keys[0]), self._build(self._stand_in(1, staff), keys[1])
        compiler = first.query.get_compiler(using=first.db)
        try:
            (sql_a, params_a), (sql_b, params_b) = compiler.as_sql(), second.query.sql_with_params()
        except EmptyResultSet:  # a stand-in reads nothing: nothing to learn the shape from
            return _UNSAFE
        places: dict[int, str | int] = {i: "user" for i, value in enumerate(params_a) if value == _STAND_INS[0]}
        expected: dict[str | int, object] = {"user": _STAND_INS[1]}
        if self.key is tuple:
            where = {stand_in: j for j, stand_in in enumerate(keys[0])}
            places |= {i: where[value] for i, value in enumerate(params_a) if type(value) is int and value in where}
            expected |= dict(enumerate(keys[1]))
        elif self.key:
            places |= {i: "key" for i, value in enumerate(params_a) if value == keys[0]}
            expected["key"] = keys[1]
        wanted = ({"user"} if self.person else set()) | (
            set(range(size)) if self.key is tuple else {"key"} if self.key else set()
        )
        safe = (
            set(places.values()) == wanted  # the person and every key are in the SQL's parameters
            and sql_a == sql_b
            and len(params_a) == len(params_b)
            and all(
                (b == expected[places[i]]) if i in places else (a == b)
                for i, (a, b) in enumerate(zip(params_a, params_b, strict=True))
            )
        )
        if not safe:
            logger.warning("PersonQuery %s depends on more than the person: built for each call", self.build)
            return _UNSAFE
        return _Compiled(first, compiler, sql_a, tuple(params_a), places)

    def _shared(self, user: "User", key: object) -> _Compiled | None:
        """The compiled query when it serves `user` (signed in and active) and `key`, else None."""
        if not (user.is_authenticated and user.is_active) or (self.key is not None and type(key) is not self.key):
            return None
        size = 0
        if self.key is tuple:
            size = len(key)
            if not 0 < size <= MAX_IDS or len(set(key)) != size or any(type(pk) is not int for pk in key):
                return None  # built for this call: the ORM folds repeated ids, reads nothing for none
        staff = bool(user.is_staff)
        which = (staff, size) if self.key is tuple else staff
        compiled = self._compiled.get(which)
        if compiled is None:
            compiled = self._compiled[which] = self._compile(staff, size)
        return None if compiled is _UNSAFE else compiled

    def rows(self, user: "User", key: object = None) -> list[tuple]:
        compiled = self._shared(user, key)
        if compiled is None:
            return _run(self._build(user, key))
        return _fetch(compiled.alias, compiled.sql, compiled.params_for(user, key))

    def objects(self, user: "User", key: object = None) -> list[Model]:
        """`list(build(user[, key]))`, without building or compiling it again."""
        compiled = self._shared(user, key)
        if compiled is None:
            return list(self._build(user, key))
        return compiled.instances(_fetch(compiled.alias, compiled.sql, compiled.params_for(user, key)))

    def first(self, user: "User", key: object = None) -> Model | None:
        """The first of `objects(user[, key])`, or None: for a `build` that slices to one row."""
        return next(iter(self.objects(user, key)), None)


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


class KeyQuery:
    """`build(key)` compiled once: a query whose SQL depends only on a key (a department's id), not on who asks.

    The caller has decided that the asker may read what the key names (a gatekeeper did);
    the same checks as `PersonQuery`'s make sure nothing else that changes goes into the SQL.
    """

    def __init__(self, build: Callable[[Any], QuerySet], *, key: type) -> None:
        self._query = PersonQuery(lambda _user, value: build(value), key=key, person=False)

    @functools.cached_property
    def _anyone(self) -> "User":
        return self._query._stand_in(0, False)  # not in the SQL: `build` does not read it (made on use: models load)

    def rows(self, key: object) -> list[tuple]:
        return self._query.rows(self._anyone, key)

    def objects(self, key: object) -> list[Model]:
        return self._query.objects(self._anyone, key)
