"""Keeping the search index in step with the content: the one function apps call.

`update_index(Model, ids)` (re)writes or removes the documents of those rows, inside the
caller's transaction, so a deleted post is gone from search the moment the deletion
commits. Saves and deletes through the ORM do this by themselves (the registry connects
them); `QuerySet.update()` does not, so the services that use it call `update_index`.
"""

from collections.abc import Iterable

from django.db import models, transaction

from . import registry
from .models import Document

# tsvector and FTS5 both have limits; nobody reads past this in a snippet anyway.
MAX_BODY = 200_000
_FIELDS = ["department_id", "room_id", "author_id", "title", "body", "url", "has_file", "created_at", "audience_key"]
# ts_headline and our own highlighting mark matches with these: they never come from content.
_CONTROL = str.maketrans({"\x02": " ", "\x03": " "})


def audience_key(kind: registry.SearchKind, data: registry.DocumentData) -> int:
    audience = registry.audience(data.audience or kind.audience)
    if data.audience_id is not None:
        return audience.key(data.audience_id)
    return audience.key(data.room_id if audience.name == "room" else data.department_id)


def _row(kind: registry.SearchKind, data: registry.DocumentData) -> Document:
    return Document(
        audience_key=audience_key(kind, data),
        kind=kind.name,
        object_id=data.object_id,
        department_id=data.department_id,
        room_id=data.room_id,
        author_id=data.author_id,
        title=data.title.translate(_CONTROL)[:300],
        body=data.body.translate(_CONTROL)[:MAX_BODY],
        url=data.url[:300],
        has_file=data.has_file,
        created_at=data.created_at,
    )


def _write(kind: registry.SearchKind, rows: Iterable[models.Model], ids: set[int]) -> None:
    documents = [_row(kind, data) for row in rows if (data := kind.document(row)) is not None]
    kept = {d.object_id for d in documents}
    if gone := ids - kept:
        Document.objects.filter(kind=kind.name, object_id__in=gone).delete()
    if documents:
        Document.objects.bulk_create(
            documents, update_conflicts=True, unique_fields=["kind", "object_id"], update_fields=_FIELDS
        )


def update_index(model: type[models.Model], ids: Iterable[int], *, follow: bool = True) -> None:
    """Bring the documents of these rows of `model` up to date (written if searchable, removed if not).

    Call it inside the service's transaction, after changing rows with `QuerySet.update()`.
    `follow=False` leaves the rows that depend on them (a post's comments and files, asked row by
    row) to the caller, who updates those in bulk: for thousands of rows at once.
    """
    wanted = {int(pk) for pk in ids}
    if not wanted:
        return
    for kind in registry.kinds_of_model(model):
        rows = list(kind.queryset().filter(pk__in=wanted))
        _write(kind, rows, wanted)
        if follow:
            _update_dependents(kind, rows)


def _update_dependents(kind: registry.SearchKind, rows: Iterable[models.Model]) -> None:
    # One level only: a post refreshes its attachments, an attachment its post, never back again.
    for row in rows:
        for dependent_model, dependent_ids in kind.dependents(row):
            update_index(dependent_model, dependent_ids, follow=False)


def forget_file_texts(names: Iterable[str]) -> None:
    """Drop the text extracted from these stored files (the files were deleted)."""
    from .models import FileText

    FileText.objects.filter(name__in=list(names)).delete()


def _extract_later(kind: registry.SearchKind, row: models.Model) -> None:
    from .models import FileText
    from .tasks import extract_file_text

    stored = kind.stored_file(row) if kind.stored_file else None
    if stored is None or FileText.objects.filter(name=stored[0]).exists():
        return
    name, content_type = stored
    transaction.on_commit(lambda: extract_file_text.enqueue(kind.name, row.pk, name, content_type))


def on_save(sender, instance: models.Model, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:  # loaddata
        return
    for kind in registry.kinds_of_model(sender):
        if update_fields is not None and kind.fields is not None and not kind.fields & set(update_fields):
            continue  # e.g. a reaction count: nothing searchable changed
        _write(kind, [instance], {instance.pk})
        _update_dependents(kind, [instance])
        if kwargs.get("created"):
            _extract_later(kind, instance)


def on_delete(sender, instance: models.Model, **kwargs) -> None:
    for kind in registry.kinds_of_model(sender):
        Document.objects.filter(kind=kind.name, object_id=instance.pk).delete()


def rebuild(*, kinds: Iterable[str] | None = None, batch: int = 2000) -> dict[str, int]:
    """Index every row of every kind from scratch (after bulk loads and on first install)."""
    counts: dict[str, int] = {}
    for kind in registry.kinds():
        if kinds is not None and kind.name not in kinds:
            continue
        Document.objects.filter(kind=kind.name).delete()
        written = 0
        chunk: list[Document] = []
        for row in kind.queryset().order_by("pk").iterator(chunk_size=batch):
            if (data := kind.document(row)) is not None:
                chunk.append(_row(kind, data))
            if len(chunk) >= batch:
                Document.objects.bulk_create(chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            Document.objects.bulk_create(chunk)
            written += len(chunk)
        counts[kind.name] = written
    return counts


def index_missing(*, batch: int = 2000) -> int:
    """Index the rows that have no document yet (after bulk loads that skipped `save()`); idempotent."""
    written = 0
    for kind in registry.kinds():
        indexed = Document.objects.filter(kind=kind.name).values("object_id")
        chunk: list[Document] = []
        for row in kind.queryset().exclude(pk__in=indexed).order_by("pk").iterator(chunk_size=batch):
            if (data := kind.document(row)) is not None:
                chunk.append(_row(kind, data))
            if len(chunk) >= batch:
                written += len(Document.objects.bulk_create(chunk, ignore_conflicts=True))
                chunk = []
        if chunk:
            written += len(Document.objects.bulk_create(chunk, ignore_conflicts=True))
    return written
