"""The two full-text back ends behind one interface: PostgreSQL and SQLite's FTS5.

Each gives, for a parsed query: the condition that a document matches (`matches`), a
relevance score that favours newer documents (`score`), and highlighted snippets for the
rows of one results page (`snippets`). Everything else (who may see what, filters, sorting,
pages, counts) is ordinary ORM code in `services.py`, the same for both.

Highlights are marked with the control characters \\x02 and \\x03 (never found in indexed
text: `index` strips them), then the text is HTML-escaped and only the marks become
<mark> elements, so no markup from content can come through a snippet.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .query import ParsedQuery
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
        return "websearch_to_tsquery(%s::regconfig, %s)"

    def among(self, ids: list[int]) -> Q:
        """`id IN ids` as one array parameter: 2,000 separate parameters cost more to build than to run."""
        return Q(RawSQL('"search_document"."id" = ANY(%s::bigint[])', [ids], output_field=BooleanField()))

    def matches(self, parsed: ParsedQuery, *, fuzzy_kinds: list[str], within: Q, fuzzy_within: Q) -> Q:
        text_match = RawSQL(  # noqa: S611 (constant SQL; typed text only as parameters)
            f'"search_document"."vector" @@ {self._tsquery()}', [language(), parsed.text], output_field=BooleanField()
        )
        # Who may see goes into each alternative, so that the words and the audience meet
        # inside the GIN index (ddl.VECTOR_INDEX) rather than as two bitmaps; the names'
        # alternative has its own (their audiences' keys only), or PostgreSQL would factor
        # a common condition out of the OR and build the two bitmaps after all.
        condition = within & Q(text_match)
        if fuzzy_kinds and any(len(w) >= 3 for w in parsed.words):
            # pg_trgm: "jon smi" finds John Smith (similarity), "smi" finds Smith (word similarity).
            fuzzy = RawSQL(
                '(lower("search_document"."title") %% lower(%s) OR lower(%s) <%% lower("search_document"."title"))',
                [" ".join(parsed.words), " ".join(parsed.words)],
                output_field=BooleanField(),
            )
            condition |= fuzzy_within & Q(fuzzy, kind__in=fuzzy_kinds)
        return condition

    def score(self, parsed: ParsedQuery) -> RawSQL:
        return RawSQL(  # noqa: S611 (constant SQL; typed text only as parameters)
            f'(ts_rank("search_document"."vector", {self._tsquery()})'
            " + CASE WHEN \"search_document\".\"kind\" IN ('person', 'department')"
            ' THEN similarity(lower("search_document"."title"), lower(%s)) ELSE 0 END)'
            ' * (1.0 + 1.0 / (1.0 + extract(epoch from (now() - "search_document"."created_at")) / 86400.0 / %s))',
            [language(), parsed.text, " ".join(parsed.words), RECENCY_DAYS],
            output_field=FloatField(),
        )

    def snippets(self, documents: QuerySet, parsed: ParsedQuery) -> dict[int, Snippet]:
        options = f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, MaxFragments=2"
        rows = documents.annotate(
            headline=RawSQL(  # noqa: S611 (constant SQL; typed text only as parameters)
                f'ts_headline(%s::regconfig, "search_document"."body", {self._tsquery()}, %s)',
                [language(), language(), parsed.text, options + ', FragmentDelimiter=" … "'],
            )
        ).values_list("pk", "title", "headline")
        return {pk: Snippet(to_html(mark_words(title, parsed)), to_html(headline)) for pk, title, headline in rows}


class SqliteBackend:
    name = "sqlite"

    def among(self, ids: list[int]) -> Q:
        return Q(pk__in=ids)

    def matches(self, parsed: ParsedQuery, *, fuzzy_kinds: list[str], within: Q, fuzzy_within: Q) -> Q:
        condition = within & Q(
            RawSQL(
                '"search_document"."id" IN (SELECT rowid FROM search_document_fts WHERE search_document_fts MATCH %s)',
                [parsed.fts5()],
                output_field=BooleanField(),
            )
        )
        if fuzzy_kinds and any(len(w) >= 3 for w in parsed.words):
            # pg_trgm's measures, as SQL functions (apps/search/trigrams.py): the same matches as PostgreSQL's.
            typed = " ".join(parsed.words)
            fuzzy = RawSQL(
                '(search_similarity("search_document"."title", %s) >= %s'
                ' OR search_word_similarity(%s, "search_document"."title") >= %s)',
                [typed, SIMILARITY_THRESHOLD, typed, WORD_SIMILARITY_THRESHOLD],
                output_field=BooleanField(),
            )
            condition |= fuzzy_within & Q(fuzzy, kind__in=fuzzy_kinds)
        return condition

    def score(self, parsed: ParsedQuery) -> RawSQL:
        return RawSQL(
            "(COALESCE((SELECT -bm25(search_document_fts, 10.0, 1.0) FROM search_document_fts"
            ' WHERE search_document_fts MATCH %s AND rowid = "search_document"."id"), 0.5)'
            " + CASE WHEN \"search_document\".\"kind\" IN ('person', 'department')"
            ' THEN search_similarity("search_document"."title", %s) ELSE 0 END)'
            ' * (1.0 + 1.0 / (1.0 + (julianday(\'now\') - julianday("search_document"."created_at")) / %s))',
            [parsed.fts5(), " ".join(parsed.words), RECENCY_DAYS],
            output_field=FloatField(),
        )

    def snippets(self, documents: QuerySet, parsed: ParsedQuery) -> dict[int, Snippet]:
        rows = documents.values_list("pk", "title", "body")
        return {
            pk: Snippet(to_html(mark_words(title, parsed)), to_html(mark_words(body, parsed, window=SNIPPET_WORDS)))
            for pk, title, body in rows
        }


def backend() -> PostgresBackend | SqliteBackend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()
