"""The two full-text back ends behind one interface: PostgreSQL and SQLite's FTS5.

Each gives, for a parsed query, SQL over one document row: that it says the words
(`text_sql`), that it is a name like them (`names_sql`), a relevance score that favours
newer documents (`score_sql`), and highlighted snippets for the rows of one results page,
read by the page's own query (`snippet_source_sql`, then `snippet` per row). Everything
else (who may see what, filters, sorting, pages, counts) is in `services.py`, the same for
both.

Highlights are marked with the control characters \\x02 and \\x03 (never found in indexed
text: `index` strips them), then the text is HTML-escaped and only the marks become
<mark> elements, so no markup from content can come through a snippet.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .query import ParsedQuery
from .sql import DOCUMENTS, placeholders
from .trigrams import SIMILARITY_THRESHOLD, WORD_SIMILARITY_THRESHOLD

START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 30
# Days after which a document's recency bonus has halved.
RECENCY_DAYS = 30.0


def language() -> str:
    return settings.SEARCH_LANGUAGE


def to_html(marked: str) -> SafeString:
    """Escape `marked` and turn the highlight marks (only) into <mark> elements."""
    html = escape(marked).replace(START, "<mark>").replace(STOP, "</mark>")
    # An unclosed mark (a cut snippet) is closed rather than left to swallow the page.
    if html.count("<mark>") > html.count("</mark>"):
        html += "</mark>"
    return mark_safe(html)  # noqa: S308 (escaped above; only our marks are markup)


def mark_words(text: str, parsed: ParsedQuery, *, window: int | None = None) -> str:
    """Mark the query's words (as word prefixes) in `text`; with `window`, cut around the first match."""
    words = sorted({w for w in parsed.words if w}, key=len, reverse=True)
    if not words or not text:
        return text[: window * 8] if window else text
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
    if window:
        tokens = text.split()
        first = next((i for i, t in enumerate(tokens) if pattern.search(t)), 0)
        start = max(0, first - window // 3)
        cut = " ".join(tokens[start : start + window])
        text = ("… " if start else "") + cut + (" …" if start + window < len(tokens) else "")
    return pattern.sub(lambda m: START + m.group(0) + STOP, text)


@dataclass
class Snippet:
    title: SafeString
    body: SafeString


class PostgresBackend:
    name = "postgresql"

    def _tsquery(self) -> str:
        # A scalar subquery is computed once per statement (an InitPlan); the bare call would
        # parse and stem the typed text again for every row it scores or rechecks.
        return "(SELECT websearch_to_tsquery(%s::regconfig, %s))"

    def text_sql(self, parsed: ParsedQuery, alias: str) -> tuple[str, list]:
        """The row `alias` says the words: through the GIN index over the words and the audience."""
        return f"{alias}.vector @@ {self._tsquery()}", [language(), parsed.text]

    def names_sql(self, parsed: ParsedQuery, kinds: list[str], alias: str) -> tuple[str, list]:
        """The row `alias` is a name like the words (pg_trgm: "jon smi" finds John Smith by
        similarity, "smi" finds Smith by word similarity).

        The names come from their trigram index (ddl: search_doc_title_trgm) as an array
        computed once per statement: written as a condition on the row, PostgreSQL read every
        person and department of the reader's audience and compared trigrams row by row
        (2,000 rows, ~11 ms, in the page and again in the counts).
        """
        typed = " ".join(parsed.words)
        sql = (
            f"{alias}.id = ANY(ARRAY(SELECT t.id FROM {DOCUMENTS} t WHERE t.kind IN ({placeholders(kinds)})"  # noqa: S608
            " AND (lower(t.title) %% lower(%s) OR lower(%s) <%% lower(t.title))))"
        )
        return sql, [*kinds, typed, typed]

    def score_columns(self, alias: str) -> str:
        """What `score_sql` reads besides the document's columns, selected with the matches."""
        return f", {alias}.vector"

    def score_sql(self, parsed: ParsedQuery, alias: str) -> tuple[str, list]:
        """Relevance (ts_rank, names' similarity) times a recency bonus, over the row `alias`."""
        sql = (
            f"((ts_rank({alias}.vector, {self._tsquery()}) + CASE WHEN {alias}.kind IN ('person', 'department')"
            f" THEN similarity(lower({alias}.title), lower(%s)) ELSE 0 END)"
            f" * (1.0 + 1.0 / (1.0 + extract(epoch from (now() - {alias}.created_at)) / 86400.0 / %s)))"
        )
        return sql, [language(), parsed.text, " ".join(parsed.words), RECENCY_DAYS]

    def snippet_source_sql(self, parsed: ParsedQuery, alias: str) -> tuple[str, list]:
        """The row's highlighted extract (ts_headline), computed in the page's query for the rows shown only."""
        options = f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, MaxFragments=2"
        sql = f"ts_headline(%s::regconfig, {alias}.body, {self._tsquery()}, %s)"
        return sql, [language(), language(), parsed.text, options + ', FragmentDelimiter=" … "']

    def snippet(self, title: str, text: str, parsed: ParsedQuery) -> Snippet:
        return Snippet(to_html(mark_words(title, parsed)), to_html(text))


class SqliteBackend:
    name = "sqlite"

    def text_sql(self, parsed: ParsedQuery, alias: str) -> tuple[str, list]:
        sql = f"{alias}.id IN (SELECT rowid FROM search_document_fts WHERE search_document_fts MATCH %s)"  # noqa: S608
        return sql, [parsed.fts5()]

    def names_sql(self, parsed: ParsedQuery, kinds: list[str], alias: str) -> tuple[str, list]:
        """pg_trgm's measures, as SQL functions (apps/search/trigrams.py): the same matches as PostgreSQL's."""
        typed = " ".join(parsed.words)
        sql = (
            f"({alias}.kind IN ({placeholders(kinds)}) AND (search_similarity({alias}.title, %s) >= %s"
            f" OR search_word_similarity(%s, {alias}.title) >= %s))"
        )
        return sql, [*kinds, typed, SIMILARITY_THRESHOLD, typed, WORD_SIMILARITY_THRESHOLD]

    def score_columns(self, alias: str) -> str:
        return ""  # bm25 reads the FTS5 table by the row's id

    def score_sql(self, parsed: ParsedQuery, alias: str) -> tuple[str, list]:
        """Relevance (bm25, names' similarity) times a recency bonus, over the row `alias`."""
        sql = (
            "((COALESCE((SELECT -bm25(search_document_fts, 10.0, 1.0) FROM search_document_fts"  # noqa: S608
            f" WHERE search_document_fts MATCH %s AND rowid = {alias}.id), 0.5)"
            f" + CASE WHEN {alias}.kind IN ('person', 'department')"
            f" THEN search_similarity({alias}.title, %s) ELSE 0 END)"
            f" * (1.0 + 1.0 / (1.0 + (julianday('now') - julianday({alias}.created_at)) / %s)))"
        )
        return sql, [parsed.fts5(), " ".join(parsed.words), RECENCY_DAYS]

    def snippet_source_sql(self, parsed: ParsedQuery, alias: str) -> tuple[str, list]:
        return f"{alias}.body", []  # cut around the match and highlighted in Python (`snippet`)

    def snippet(self, title: str, text: str, parsed: ParsedQuery) -> Snippet:
        return Snippet(to_html(mark_words(title, parsed)), to_html(mark_words(text, parsed, window=SNIPPET_WORDS)))


def backend() -> PostgresBackend | SqliteBackend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()
