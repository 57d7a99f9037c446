"""What can be searched: each app registers its kinds here, from its own `searchable.py`.

A kind says how to turn one of the app's rows into a search document (or None when the
row must not be found: deleted, unpublished, ...), whose audience each document has, and
which tab of the results page it belongs to.

Who may find a document is its *audience*: "department" (the readers of its department's
content), "page" (whoever may open the department's page), "room" (a private chat room's
members), "everyone" (every active colleague) or one an app registers (`register_audience`,
e.g. a question's). Each document stores one indexed number, its audience key (the
audience's code and the id of the department, room, ... it belongs to); a search first asks
each audience, once, which keys the reader holds (from the app's own rule, e.g.
`apps.departments.access.readable_department_ids`), then filters on `audience_key IN (...)`
on the document table itself: no join, no subquery per kind, so PostgreSQL combines it with
the full-text index. Registering a kind also keeps its documents
up to date on every `save()` and `delete()` of the model; a service that changes rows
with `QuerySet.update()` calls `apps.search.index.update_index(Model, ids)` itself.

A new app (videos, plans, ...) adds `apps/<app>/searchable.py` calling `register(...)`;
nothing else changes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class DocumentData:
    """What a row contributes to the index. `department_id` or `room_id` say whose content it is.

    `audience` (default: the kind's) says who finds it; `audience_id` which department, room,
    question, ... of that audience (default: `department_id`, or `room_id` for "room").
    """

    object_id: int
    title: str
    body: str
    url: str
    created_at: datetime
    department_id: int | None = None
    room_id: int | None = None
    author_id: int | None = None
    has_file: bool = False
    audience: str | None = None
    audience_id: int | None = None


# A key is code * AUDIENCE_SPAN + id: one BIGINT column, one IN list, for every audience.
AUDIENCE_SPAN = 10**12


@dataclass(frozen=True)
class Audience:
    """Who finds documents of this audience: `keys(user)` are the ids (departments, rooms, ...) they hold.

    `keys` returns a queryset of ids (one query for all audiences together, see
    `reader_keys`) or a list. A queryset must be lazy: its SQL may depend on the user's id
    and flags (active, staff, superuser) only, never on data read while building it,
    because that SQL is compiled once per reader and reused; a list is asked for every time.
    `active_author`: documents whose author was deactivated are found by no one (their
    private messages, their profile).
    """

    name: str
    code: int
    keys: Callable[[object], object]
    active_author: bool = False

    def key(self, object_id: int | None) -> int:
        return self.code * AUDIENCE_SPAN + int(object_id or 0)


@dataclass(frozen=True)
class Group:
    """A tab of the results page: one or more kinds ("Posts and comments")."""

    name: str
    label: str


@dataclass(frozen=True)
class SearchKind:
    name: str
    label: str
    group: Group
    model: type[models.Model]
    # The rows to index, with what `document` reads joined in (used by rebuilds and `update_index`).
    queryset: Callable[[], QuerySet]
    document: Callable[[models.Model], DocumentData | None]
    # Who finds the kind's documents, unless a document says otherwise (see `Audience`).
    audience: str = "department"
    # Names and titles also match by similarity and prefix ("jon smi" finds John Smith).
    fuzzy_title: bool = False
    # The model fields the document reads: a save(update_fields=...) touching none of them is skipped.
    fields: frozenset[str] | None = None
    # A stored file whose text the worker extracts for the document: (storage name, content type).
    stored_file: Callable[[models.Model], tuple[str, str] | None] | None = None
    # Other rows whose documents change with this one (a post's comments when it is deleted).
    dependents: Callable[[models.Model], Iterable[tuple[type[models.Model], Iterable[int]]]] = field(
        default=lambda row: ()
    )


POSTS = Group("posts", "Posts and comments")
CHAT = Group("chat", "Chat")
PEOPLE = Group("people", "People")
DEPARTMENTS = Group("departments", "Departments")
IDEAS = Group("ideas", "Ideas and polls")
QUESTIONS = Group("questions", "Questions")
FILES = Group("files", "Files")

_kinds: dict[str, SearchKind] = {}
_audiences: dict[str, Audience] = {}


def register_audience(audience: Audience) -> None:
    """Declare who finds documents of `audience` (apps with their own read rule, e.g. questions)."""
    known = _audiences.get(audience.name)
    if known is not None:
        return
    if any(a.code == audience.code for a in _audiences.values()) or not 0 < audience.code < 9000:
        raise ValueError(f"Audience code {audience.code} is taken or out of range")
    _audiences[audience.name] = audience


def audiences() -> list[Audience]:
    return list(_audiences.values())


def audience(name: str) -> Audience:
    return _audiences[name]


def register(kind: SearchKind) -> None:
    """Make `kind` searchable and keep its documents in step with its model's saves and deletes."""
    from . import index

    if kind.name in _kinds:
        return
    if len(kind.name) > 32 or not kind.name.isidentifier():
        raise ValueError(f"A search kind's name is a short identifier, not {kind.name!r}")
    _kinds[kind.name] = kind
    models.signals.post_save.connect(index.on_save, sender=kind.model, dispatch_uid=f"search-save-{kind.name}")
    models.signals.post_delete.connect(index.on_delete, sender=kind.model, dispatch_uid=f"search-delete-{kind.name}")


def kinds() -> list[SearchKind]:
    return list(_kinds.values())


def kind(name: str) -> SearchKind | None:
    return _kinds.get(name)


def kinds_of_model(model: type[models.Model]) -> list[SearchKind]:
    return [k for k in _kinds.values() if k.model is model or issubclass(model, k.model)]


def groups() -> list[Group]:
    """The tabs, in the order their first kind registered."""
    seen: dict[str, Group] = {}
    for k in _kinds.values():
        seen.setdefault(k.group.name, k.group)
    return list(seen.values())


def kinds_in_group(name: str) -> list[SearchKind]:
    return [k for k in _kinds.values() if k.group.name == name]
