"""What can be searched: each app registers its kinds here, from its own `searchable.py`.

A kind says how to turn one of the app's rows into a search document (or None when the
row must not be found: deleted, unpublished, ...), who may find its documents (a `Q` over
`Document`, applied inside the search query, built from `apps.departments.access`), and
which tab of the results page it belongs to. Registering a kind also keeps its documents
up to date on every `save()` and `delete()` of the model; a service that changes rows
with `QuerySet.update()` calls `apps.search.index.update_index(Model, ids)` itself.

A new app (videos, plans, ...) adds `apps/<app>/searchable.py` calling `register(...)`;
nothing else changes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class DocumentData:
    """What a row contributes to the index. `department_id` or `room_id` say whose content it is."""

    object_id: int
    title: str
    body: str
    url: str
    created_at: datetime
    department_id: int | None = None
    room_id: int | None = None
    author_id: int | None = None
    has_file: bool = False


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
    # Who may find this kind's documents: a Q over `Document` (department_id, room_id, author, ...).
    visible: Callable[[object], Q]
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
