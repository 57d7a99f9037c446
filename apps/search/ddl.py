"""The full-text structures the ORM does not describe, per database (used by the migration and `search_index`)."""

from django.conf import settings

_SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_document_fts USING fts5("
    " title, body, content='search_document', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_document_ai AFTER INSERT ON search_document BEGIN"
    " INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_ad AFTER DELETE ON search_document BEGIN"
    " INSERT INTO search_document_fts(search_document_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_au AFTER UPDATE ON search_document BEGIN"
    " INSERT INTO search_document_fts(search_document_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]


# The words and the audience in one GIN index (btree_gin): PostgreSQL intersects "says
# customer" with "in a department the reader reads" inside the index, and reads from the
# table only the rows that are both (a bitmap of every readable row was most of the cost).
VECTOR_INDEX = "CREATE INDEX IF NOT EXISTS search_doc_vector ON search_document USING gin (vector, audience_key)"


def _postgres(language: str) -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE EXTENSION IF NOT EXISTS btree_gin",
        "ALTER TABLE search_document DROP COLUMN IF EXISTS vector",
        "ALTER TABLE search_document ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
        f" setweight(to_tsvector('{language}'::regconfig, coalesce(title, '')), 'A')"
        f" || setweight(to_tsvector('{language}'::regconfig, coalesce(body, '')), 'B')) STORED",
        VECTOR_INDEX,
        "CREATE INDEX IF NOT EXISTS search_doc_title_trgm ON search_document USING gin (lower(title) gin_trgm_ops)"
        " WHERE kind IN ('person', 'department')",
    ]


def create_text_index(connection, language: str | None = None) -> None:
    language = language or settings.SEARCH_LANGUAGE
    if not language.isidentifier():
        raise ValueError("A text search configuration name is an identifier")
    statements = _postgres(language) if connection.vendor == "postgresql" else _SQLITE
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_text_index(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE search_document DROP COLUMN IF EXISTS vector")
        else:
            for name in ("search_document_ai", "search_document_ad", "search_document_au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS search_document_fts")


# Filling a GIN index row by row is what makes a rebuild slow; building it once at the end is not.
_TEXT_INDEXES = {
    "search_doc_vector": VECTOR_INDEX,
    "search_doc_title_trgm": "CREATE INDEX IF NOT EXISTS search_doc_title_trgm ON search_document"
    " USING gin (lower(title) gin_trgm_ops) WHERE kind IN ('person', 'department')",
}


def drop_text_indexes(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in _TEXT_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


def create_text_indexes(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The rows just written have deferred foreign-key checks pending, and PostgreSQL
            # builds no index on a table with pending trigger events: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
            for statement in _TEXT_INDEXES.values():
                cursor.execute(statement)


def compact(connection) -> None:
    """After a rebuild has committed: the table's statistics, and its indexes without the old rows.

    A rebuild deletes and rewrites every document in one transaction (searches keep the old
    ones until it commits), so the indexes it builds hold the deleted rows too: at the
    benchmark's size the GIN index came out at 104 MB instead of 54 and all indexes at 602 MB,
    a scan reading twice the pages until then. REINDEX CONCURRENTLY rebuilds them without
    blocking searches (30 s there, to 279 MB). PostgreSQL only, and outside a transaction.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) search_document")
        cursor.execute("REINDEX TABLE CONCURRENTLY search_document")
