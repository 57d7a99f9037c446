"""The full-text column and indexes as they were when this migration was written.

Frozen here rather than imported from apps.search.ddl: ddl describes today's table (its GIN
index also covers `audience_key`, a column that only 0003 adds), and a migration must build
the table of its own time.
"""

from django.conf import settings
from django.db import migrations

from apps.search.ddl import _SQLITE


def _postgres(language: str) -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "ALTER TABLE search_document DROP COLUMN IF EXISTS vector",
        "ALTER TABLE search_document ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
        f" setweight(to_tsvector('{language}'::regconfig, coalesce(title, '')), 'A')"
        f" || setweight(to_tsvector('{language}'::regconfig, coalesce(body, '')), 'B')) STORED",
        "CREATE INDEX IF NOT EXISTS search_doc_vector ON search_document USING gin (vector)",
        "CREATE INDEX IF NOT EXISTS search_doc_title_trgm ON search_document USING gin (lower(title) gin_trgm_ops)"
        " WHERE kind IN ('person', 'department')",
    ]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    language = settings.SEARCH_LANGUAGE
    if not language.isidentifier():
        raise ValueError("A text search configuration name is an identifier")
    statements = _postgres(language) if connection.vendor == "postgresql" else _SQLITE
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def backwards(apps, schema_editor):
    from apps.search.ddl import drop_text_index

    drop_text_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
