"""Who is asking, without a database query: the session and the user from the cache.

Every page, API call and WebSocket handshake reads the session and then the user (with
the profile every page shows). Two queries were most of a trivial page's cost (BENCHMARKS.md
"Identity from the cache"), so both come from the shared cache (Redis) when it has them:

- sessions: Django's `cached_db` engine (`SessionStore` here is `SESSION_ENGINE`). The
  database stays the record; the cache holds a copy for at most `IDENTITY_CACHE_SECONDS`.
  A session therefore ends only through the store (`delete`, `flush`, `end_sessions`),
  which drops the copy too: deleting rows would leave the copy valid;
- the user and their profile (`user_for_session`): a snapshot of the two rows, valid
  while it carries the user's current *version*, a random token that `forget_user` replaces
  whenever the user or the profile is saved (`User.save`, `Profile.save`). A reader stores
  the version it saw *before* reading the rows, so a snapshot read just before a change
  never passes for the new version. Django's session hash check runs on the snapshot as on
  the row: a password change still ends the other sessions.

Both are dropped at once and again after commit: a request in between reads the old
rows (the change is not committed) and could store them again. Without a shared cache
(`REDIS_URL` unset: several processes with their own memory cache) nothing is cached
(`IDENTITY_CACHE_SECONDS` defaults to 0). If Redis is unreachable, the database answers
(one query each, as before); a copy that Redis kept while it could not be told to drop
it lives at most `IDENTITY_CACHE_SECONDS`.

From the event loop (a WebSocket handshake, through `django.contrib.auth.aget_user`), both
are read with the cache's async reads, no thread involved; only a miss (or a write) runs
the sync code, on a few threads of its own (`LOOKUP_THREADS`) that overlap database round
trips and hand their connections back after each job.

One read for both: the process remembers which user each session it has seen belongs to,
and reads that user's version and snapshot in the same round trip as the session's copy.
They are used only if the session still names that user, and only for the session being
resolved at that moment (`resolving_user_of`, around Django's `get_user`/`aget_user`), so
they are exactly as fresh as a second read would have been and never serve another request.
"""

import contextlib
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

VERSION_SECONDS_EXTRA = 86400  # a version outlives every snapshot stored under it
LOOKUP_THREADS = 4  # overlaps database round trips; more only contend for the interpreter lock
REMEMBERED_SESSIONS = 50_000  # session key -> user id, per process (~5 MB at most)

# Whose session is being resolved to a user right now (`resolving_user_of`): only then does
# `user_for_session` use what the session's read brought along, so nothing read for one
# request is ever used for another.
_resolving: ContextVar[Any] = ContextVar("identity_resolving", default=None)
_users_of_sessions: dict[str, Any] = {}


def _remember(session_key: str | None, user_pk: Any) -> None:
    if session_key is None or _users_of_sessions.get(session_key) == user_pk:
        return
    if len(_users_of_sessions) >= REMEMBERED_SESSIONS:
        _users_of_sessions.clear()  # rare, and only costs one more read per session afterwards
    _users_of_sessions[session_key] = user_pk


@contextlib.contextmanager
def resolving_user_of(session: Any) -> Iterator[None]:
    """While Django turns this session into its user (`auth.get_user`, `auth.aget_user`)."""
    token = _resolving.set(session)
    try:
        yield
    finally:
        _resolving.reset(token)


def _read_with_the_session(pk: Any) -> dict | None:
    """The user's keys as read with the session being resolved, if it was theirs; once."""
    session = _resolving.get()
    kept = getattr(session, "_user_found", None)
    if kept is None or kept[0] != pk:
        return None
    session._user_found = None
    return kept[1]


def cache_seconds() -> int:
    return settings.IDENTITY_CACHE_SECONDS


def _quietly(what: str, call, *args, **kwargs) -> Any:
    """A cache call that may fail (Redis away): the database is the record, so log and go on."""
    try:
        return call(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the cache's connection errors, whatever their class
        logger.warning("identity cache: %s failed (%s), using the database", what, error.__class__.__name__)
        return None


async def _aquietly(what: str, call, *args, **kwargs) -> Any:
    try:
        return await call(*args, **kwargs)
    except Exception as error:  # noqa: BLE001
        logger.warning("identity cache: %s failed (%s), using the database", what, error.__class__.__name__)
        return None


class _ClosingExecutor(ThreadPoolExecutor):
    """Threads whose every job ends with its database connections closed (back to psycopg's pool).

    Django closes a request's connection at its end; these threads serve no request, and kept
    one each (in the tests: a test database that could not be dropped, "being accessed by
    other users"). Closing costs nothing with the pool: the connection is handed back.
    """

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                connections.close_all()

        return super().submit(run)


_lookup_executor = _ClosingExecutor(LOOKUP_THREADS, thread_name_prefix="identity-lookup")


def in_lookup_thread(fn: Callable) -> Callable[..., Awaitable[Any]]:
    """`fn` made awaitable, run on the lookup threads (not on the one thread-sensitive thread)."""
    return sync_to_async(fn, thread_sensitive=False, executor=_lookup_executor)


def _after_commit_too(forget) -> None:
    forget()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(forget)


class SessionStore(cached_db.SessionStore):
    """`cached_db` with the copy's lifetime bounded, survivable cache errors, and drops after commit."""

    def load(self) -> dict:
        if not cache_seconds():
            return self._load_record()
        user_pk, user_keys = self._guessed_user()
        found = _quietly("session read", self._cache.get_many, [self.cache_key, *user_keys])
        data = (found or {}).get(self.cache_key)
        return self._loaded(data if data is not None else self._load_record(), user_pk, user_keys, found)

    async def aload(self) -> dict:
        if not cache_seconds():
            return await in_lookup_thread(self._load_record)()
        user_pk, user_keys = self._guessed_user()
        found = await _aquietly("session read", self._cache.aget_many, [self.cache_key, *user_keys])
        data = (found or {}).get(self.cache_key)
        data = data if data is not None else await in_lookup_thread(self._load_record)()
        return self._loaded(data, user_pk, user_keys, found)

    def _guessed_user(self) -> tuple[Any, tuple[str, ...]]:
        """The user this process last saw on this session, and their keys: read with the copy, in one trip."""
        user_pk = _users_of_sessions.get(self.session_key)
        if user_pk is None or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
            return None, ()
        return user_pk, _keys(user_pk)

    def _loaded(self, data: dict, user_pk: Any, user_keys: tuple[str, ...], found: dict | None) -> dict:
        """Remember whose session this is; keep what was read of that user for `user_for_session`.

        Nothing is kept if the read failed (`found` None): the user's read is then tried on its own.
        """
        session_user = _pk(data.get(SESSION_KEY)) if SESSION_KEY in data else None
        if session_user is not None:
            _remember(self.session_key, session_user)
        if user_keys and found is not None and session_user == user_pk:
            self._user_found = (user_pk, {key: found[key] for key in user_keys if key in found})
        return data

    def _load_record(self) -> dict:
        """The session from its row (the copy missed), copied into the cache."""
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        if cache_seconds():
            self._cache_copy(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def _cache_copy(self, data: dict, age: int) -> None:
        _quietly("session write", self._cache.set, self.cache_key, data, min(age, cache_seconds()))

    def exists(self, session_key: str) -> bool:
        return DBStore.exists(self, session_key)  # the record; asked only when a session is created

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        if cache_seconds():
            self._cache_copy(self._session, self.get_expiry_age())

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        key = session_key or self.session_key
        if key is not None and cache_seconds():
            _after_commit_too(lambda: _quietly("session drop", self._cache.delete, self.cache_key_prefix + key))

    # Django's async writes would bypass the rules above (the copy's lifetime, drops after
    # commit): they are the sync ones, on the lookup threads. Only a handshake whose session
    # hash no longer verifies writes from the event loop (`aget_user` flushes the session).
    async def aexists(self, session_key: str) -> bool:
        return await in_lookup_thread(self.exists)(session_key)

    async def asave(self, must_create: bool = False) -> None:
        await in_lookup_thread(self.save)(must_create)

    async def adelete(self, session_key: str | None = None) -> None:
        await in_lookup_thread(self.delete)(session_key)

    @classmethod
    def end_sessions(cls, session_keys: Iterable[str]) -> None:
        """End these sessions: their rows, and the cached copies (now and after commit)."""
        keys = list(session_keys)
        if not keys:
            return
        cls.get_model_class().objects.filter(session_key__in=keys).delete()
        if cache_seconds():
            store_cache = caches[settings.SESSION_CACHE_ALIAS]
            copies = [cls.cache_key_prefix + key for key in keys]
            _after_commit_too(lambda: _quietly("session drop", store_cache.delete_many, copies))


# --- the user and their profile


def _field_names(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _schema_tag() -> str:
    """Snapshots of another Django or another set of columns are never read (deploys, migrations)."""
    from apps.people.models import Profile

    from .models import User

    names = ",".join([*_field_names(User), "|", *_field_names(Profile)])
    return hashlib.sha256(f"{django.get_version()}:{names}".encode()).hexdigest()[:12]


_tag: str | None = None


def _keys(user_id: int) -> tuple[str, str]:
    global _tag
    if _tag is None:
        _tag = _schema_tag()
    return f"identity:version:{user_id}", f"identity:user:{_tag}:{user_id}"


def _snapshot(user) -> tuple[list, list | None]:
    profile = user._state.fields_cache.get("profile")
    user_values = [getattr(user, name) for name in _field_names(type(user))]
    profile_values = None if profile is None else [getattr(profile, name) for name in _field_names(type(profile))]
    return user_values, profile_values


def _from_snapshot(snapshot: tuple[list, list | None]):
    from apps.people.models import Profile

    from .models import User

    user_values, profile_values = snapshot
    user = User.from_db(DEFAULT_DB_ALIAS, _field_names(User), user_values)
    profile = None
    if profile_values is not None:
        profile = Profile.from_db(DEFAULT_DB_ALIAS, _field_names(Profile), profile_values)
        profile._state.fields_cache["user"] = user
    user._state.fields_cache["profile"] = profile  # None: no profile, as select_related leaves it
    return user


def _user_row(pk: int):
    from .models import User

    return User._default_manager.select_related("profile").filter(pk=pk).first()


def user_for_session(user_id: Any):
    """The user with their profile, from the cache when it holds their current version, else one query.

    Returns inactive users too: the backend decides (`user_can_authenticate`).
    """
    pk = _pk(user_id)
    if pk is None or not cache_seconds():
        return None if pk is None else _user_row(pk)
    keys = _keys(pk)
    found = _read_with_the_session(pk)
    if found is None:
        found = _quietly("user read", cache.get_many, keys) or {}
    return _kept_user(found, *keys) or _user_read(pk, found.get(keys[0]), keys[1])


async def auser_for_session(user_id: Any):
    """`user_for_session` from the event loop: the cache read there, a miss on the lookup threads."""
    pk = _pk(user_id)
    if pk is None or not cache_seconds():
        return None if pk is None else await in_lookup_thread(_user_row)(pk)
    keys = _keys(pk)
    found = _read_with_the_session(pk)
    if found is None:
        found = await _aquietly("user read", cache.aget_many, keys) or {}
    return _kept_user(found, *keys) or await in_lookup_thread(_user_read)(pk, found.get(keys[0]), keys[1])


def _pk(user_id: Any) -> Any:
    from .models import User

    try:
        return User._meta.pk.to_python(user_id)
    except Exception:  # noqa: BLE001 - a malformed id in a session is nobody
        return None


def _kept_user(found: dict, version_key: str, snapshot_key: str):
    """The snapshot in `found` if it carries the current version, else None."""
    stored = found.get(snapshot_key)
    if stored is not None and stored[0] == found.get(version_key):
        return _from_snapshot(stored[1])
    return None


def _user_read(pk: Any, version: Any, snapshot_key: str):
    """The user's rows (the snapshot missed), kept under the version seen before reading them."""
    user = _user_row(pk)
    if user is not None:
        _quietly("user write", cache.set, snapshot_key, (version, _snapshot(user)), cache_seconds())
    return user


def forget_user(user_id: int) -> None:
    """The user or their profile changed: every cached snapshot of them is stale, on every process."""
    if not cache_seconds() or user_id is None:
        return
    version_key, _ = _keys(user_id)

    def new_version() -> None:
        _quietly("user drop", cache.set, version_key, uuid.uuid4().hex, cache_seconds() + VERSION_SECONDS_EXTRA)

    _after_commit_too(new_version)
