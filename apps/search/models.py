"""The search index: one row ("document") per searchable thing, of every kind.

A document carries what the search needs to decide, inside the query, who may find it:
its audience key (`audience_key`: which audience, and which department, room, question, ...
of it; see `registry.Audience`) and its author (a deactivated person's private messages
and profile are found by no one). The department whose content it is (`department`) and
the room it is in (`room_id`) serve the filters. The text column the database searches is not a model field:
on PostgreSQL it is a generated `tsvector` column (`vector`, GIN-indexed) computed from
`title` and `body`; on SQLite an FTS5 table kept in step by triggers (see the migration and
`backends.py`). Rows are written only by `apps.search.index`.
"""

from django.conf import settings
from django.db import models


class Document(models.Model):
    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    department = models.ForeignKey(
        "departments.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    room_id = models.BigIntegerField(null=True, blank=True, help_text="A private (group or direct) chat room.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300)
    has_file = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    audience_key = models.BigIntegerField(default=0, help_text="Who finds it: see apps.search.registry.Audience.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_one_document_per_object")]
        indexes = [
            models.Index(fields=["department", "-created_at"], name="search_doc_department"),
            models.Index(fields=["room_id"], condition=models.Q(room_id__isnull=False), name="search_doc_room"),
            models.Index(fields=["-created_at", "-id"], name="search_doc_newest"),
            models.Index(fields=["audience_key", "-created_at"], name="search_doc_audience"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class FileText(models.Model):
    """The text the worker extracted from a stored file (by its storage name), for the file's document."""

    name = models.CharField(max_length=300, unique=True)
    text = models.TextField(blank=True)
    outcome = models.CharField(
        max_length=20, help_text="extracted, no_text (e.g. an image-only PDF), unsupported, failed"
    )
    extracted_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name
