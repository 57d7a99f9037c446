"""Search: one service for the header box, the results page, the API, a room and a department.

Who may find what is decided inside the query, by the documents' audience keys (see
`visibility`: the reader's keys come from `apps.departments.access` and the apps' own
rules), never by filtering a page of results afterwards: pages, counts and tabs only ever
see rows the person may read. A results page costs two queries whatever the data: the
reader's keys, and one statement for the page (the rank window, the rows shown with their
snippets) and the (capped) counts per tab; a tab's page counts the other tabs in a third.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from apps.accounts.models import User, name_to_show
from apps.core.errors import Invalid
from apps.core.ids import parse_id
from apps.core.pagination import bad_cursor, sign_cursor, unsign_cursor

from . import registry, visibility
from .backends import backend
from .query import ParsedQuery, parse
from .sql import DEPARTMENTS, DOCUMENTS, PROFILE_USER, PROFILES, USERS, placeholders

PAGE_SIZE = 20
MAX_OFFSET = 1_000  # 50 pages: past that, refine the words
# Counting every match of a common word costs more than it tells: counts stop here ("1000+").
COUNT_CAP = 1_000
SORTS = ("relevance", "date")
# The newest matches a page is chosen from: it must hold the counts' cap and the last page.
RANK_WINDOW = 2_000


@dataclass(frozen=True)
class Filters:
    kind: str | None = None  # a group ("posts") or a kind ("comment")
    department_id: int | None = None
    room_id: int | None = None
    author_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_file: bool = False
    sort: str = "relevance"


@dataclass
class Hit:
    kind: str
    kind_label: str
    object_id: int
    url: str
    title: str
    snippet: str
    created_at: datetime
    department_name: str | None
    author: "Author | None"


@dataclass(frozen=True)
class Author:
    """Who wrote a hit: what a result shows of them (read with the page, not as a User)."""

    id: int
    display_name: str

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class Results:
    query: ParsedQuery
    filters: Filters
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # by group, within COUNT_CAP
    capped: bool = False
    next_cursor: str | None = None
    previous_cursor: str | None = None
    message: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _date(value: object, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid.field(name, "Enter a date as YYYY-MM-DD.", code="bad_date") from None


def _id(value: object, name: str) -> int | None:
    if value in (None, ""):
        return None
    pk = parse_id(value)
    if pk is None:
        raise Invalid.field(name, "This is not a valid id.", code="bad_id")
    return pk


def parse_filters(params: Mapping[str, object]) -> Filters:
    """The filters from a query string (the page and the API share them); `Invalid` on a bad one."""
    kind = params.get("kind") or None
    if kind is not None and registry.kind(str(kind)) is None and str(kind) not in {g.name for g in registry.groups()}:
        raise Invalid.field("kind", "There is no such kind of result.", code="unknown_kind")
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        raise Invalid.field("sort", "Sort by relevance or date.", code="bad_sort")
    date_from, date_to = _date(params.get("from"), "from"), _date(params.get("to"), "to")
    if date_from and date_to and date_from > date_to:
        raise Invalid.field("to", "The end date is before the start date.", code="bad_date")
    return Filters(
        kind=str(kind) if kind else None,
        department_id=_id(params.get("department"), "department"),
        room_id=_id(params.get("room"), "room"),
        author_id=_id(params.get("author"), "author"),
        date_from=date_from,
        date_to=date_to,
        has_file=str(params.get("has_file", "")).lower() in {"1", "true", "on", "yes"},
        sort=str(sort),
    )


def _kinds_for(name: str | None) -> list[registry.SearchKind]:
    if name is None:
        return registry.kinds()
    if (one := registry.kind(name)) is not None:
        return [one]
    return registry.kinds_in_group(name)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filters_sql(parsed: ParsedQuery, filters: Filters, alias: str) -> tuple[str, list]:
    terms: list[tuple[str, str, object]] = []
    if filters.department_id is not None:
        terms.append(("department_id", "=", filters.department_id))
    if filters.room_id is not None:
        terms.append(("room_id", "=", filters.room_id))
    if filters.author_id is not None:
        terms.append(("author_id", "=", filters.author_id))
    if filters.date_from is not None:
        terms.append(("created_at", ">=", _day_start(filters.date_from)))
    if filters.date_to is not None:
        terms.append(("created_at", "<", _day_start(filters.date_to + timedelta(days=1))))
    if filters.has_file or parsed.has_file:
        terms.append(("has_file", "=", True))
    adapt = connection.ops.adapt_datetimefield_value
    sql = "".join(f" AND {alias}.{column} {op} %s" for column, op, _ in terms)
    return sql, [adapt(value) if isinstance(value, datetime) else value for *_, value in terms]


def _matches(engine, parsed: ParsedQuery, filters: Filters, keys: dict[str, list[int]]) -> tuple[str, list] | None:
    """The matching documents' columns that the page and the counts read, as one SELECT; None
    when nothing can match (the reader holds no keys).

    Written, not built with the ORM: building and compiling its nested conditions cost more
    Python than a rare word's queries took in PostgreSQL. Who may see goes into each
    alternative, so that the words and the audience meet inside the GIN index
    (ddl.VECTOR_INDEX) rather than as two bitmaps; the names' alternative has its own (their
    audiences' keys only), or PostgreSQL would factor a common condition out of the OR.
    """
    within = visibility.condition_sql(keys, "d")
    if within is None:
        return None
    text, text_params = engine.text_sql(parsed, "d")
    condition, params = f"({within[0]} AND {text})", [*within[1], *text_params]
    names = [k for k in registry.kinds() if k.fuzzy_title]
    if names and any(len(w) >= 3 for w in parsed.words):
        names_within = visibility.condition_sql(keys, "d", only={k.audience for k in names})
        if names_within is not None:
            like, like_params = engine.names_sql(parsed, [k.name for k in names], "d")
            condition = f"({condition} OR ({names_within[0]} AND {like}))"
            params += [*names_within[1], *like_params]
    narrowed, narrowed_params = _filters_sql(parsed, filters, "d")
    columns = "d.id, d.kind, d.created_at, d.title" + engine.score_columns("d")
    return f"SELECT {columns} FROM {DOCUMENTS} d WHERE {condition}{narrowed}", [*params, *narrowed_params]  # noqa: S608


def _offset(cursor: object, filters: Filters) -> int:
    if cursor in (None, ""):
        return 0
    value = unsign_cursor(str(cursor), ["search", filters.sort])
    if value is None or not value.isdigit() or int(value) > MAX_OFFSET:
        raise bad_cursor()
    return int(value)


def search(
    *, acting_user: User, q: object, filters: Filters | None = None, cursor: object = None, page_size: int = PAGE_SIZE
) -> Results:
    """One page of what `acting_user` may read that matches `q`, with counts per tab.

    `Invalid` for a query that is too long or a forged cursor; an empty query (or one of
    operators only) is an empty result with a message, not an error.
    """
    filters = filters or Filters()
    parsed = parse(q)
    if parsed.kind and filters.kind is None and (registry.kind(parsed.kind) or parsed.kind in _group_names()):
        filters = Filters(**{**filters.__dict__, "kind": parsed.kind})
    offset = _offset(cursor, filters)  # a forged cursor is refused even with nothing to search for
    results = Results(query=parsed, filters=filters)
    if parsed.is_empty:
        results.message = (
            "Type a word to search for." if not parsed.excluded else "Say what to find, not only what to leave out."
        )
        return results
    page_size = max(1, min(int(page_size), 50))
    if not (acting_user is not None and acting_user.is_authenticated and acting_user.is_active):
        results.counts = {group.name: 0 for group in registry.groups()}
        results.message = "Nothing you can see matches these words."
        return results
    engine = backend()
    found = _matches(engine, parsed, filters, visibility.reader_keys(acting_user))
    wanted = sorted(k.name for k in _kinds_for(filters.kind)) if filters.kind else None
    rows, by_kind = _page(engine, found, parsed, wanted, filters.sort, offset, page_size + 1) if found else ([], None)
    if len(rows) > page_size:
        rows = rows[:page_size]
        if offset + page_size <= MAX_OFFSET:
            results.next_cursor = sign_cursor(str(offset + page_size), ["search", filters.sort])
    if offset:
        results.previous_cursor = sign_cursor(str(max(0, offset - page_size)), ["search", filters.sort])
    for _pk, kind, object_id, url, title, created_at, department_name, author_id, email, name, text in rows:
        k = registry.kind(kind)
        snippet = engine.snippet(title, text, parsed)
        results.hits.append(
            Hit(
                kind=kind,
                kind_label=k.label if k else kind,
                object_id=object_id,
                url=url,
                title=snippet.title,
                snippet=snippet.body,
                created_at=_aware(created_at),
                department_name=department_name,
                author=Author(author_id, name_to_show(name or "", email)) if author_id is not None else None,
            )
        )
    if by_kind is None:
        by_kind = _counts(found)
    results.capped = sum(by_kind.values()) > COUNT_CAP
    for group in registry.groups():
        results.counts[group.name] = sum(by_kind.get(k.name, 0) for k in registry.kinds_in_group(group.name))
    if not results.hits and not offset:
        results.message = "Nothing you can see matches these words."
    return results


def _page(
    engine, found: tuple[str, tuple], parsed: ParsedQuery, kinds: list[str] | None, sort: str, offset: int, limit: int
) -> tuple[list[tuple], Counter | None]:
    """One page of hits and, for every tab at once (no `kinds`), the counts: one statement.

    The window is the newest RANK_WINDOW matches (of `kinds`, if given), read once from the
    index: relevance scores those rows only (scoring every match of a common word, tens of
    thousands of rows, is what made search slow at company scale, and recency is part of
    the score anyway), then the page's rows are joined to their department and author with
    their snippet (for the rows shown only). The window holds every match up to the counts'
    cap (COUNT_CAP < RANK_WINDOW), so the counts are read from it rather than from a second
    scan of the index; a tab's window has only its own kinds, so there the counts are
    `_counts`' own query. Rare words and phrases match fewer rows and are ranked in full.
    """
    sql, found_params = found
    only_kinds = ""
    if kinds is not None:
        only_kinds = f" WHERE m.kind IN ({placeholders(kinds)})"
    window = f"SELECT m.* FROM ({sql}) m{only_kinds} ORDER BY m.created_at DESC, m.id DESC LIMIT %s"  # noqa: S608
    if sort == "date":
        score, score_params = "w.created_at", []
    else:
        score, score_params = engine.score_sql(parsed, "w")
    text, text_params = engine.snippet_source_sql(parsed, "d")
    counts, count_params = "", []
    if kinds is None:
        counts = (
            " UNION ALL SELECT 1, NULL, NULL, c.kind, c.n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
            " FROM (SELECT x.kind, COUNT(*) AS n FROM (SELECT w.kind FROM w LIMIT %s) x GROUP BY x.kind) c"
        )
        count_params = [COUNT_CAP + 1]
    # Our SQL; every value is a parameter.
    statement = (
        f"WITH w AS MATERIALIZED ({window})"  # noqa: S608
        " SELECT 0 AS part, page.score, d.id, d.kind, d.object_id, d.url, d.title, d.created_at, dep.name,"
        f" d.author_id, u.email, p.display_name, {text}"
        f" FROM (SELECT w.id, {score} AS score FROM w ORDER BY score DESC, w.id DESC LIMIT %s OFFSET %s) page"
        f" JOIN {DOCUMENTS} d ON d.id = page.id LEFT JOIN {DEPARTMENTS} dep ON dep.id = d.department_id"
        f" LEFT JOIN {USERS} u ON u.id = d.author_id LEFT JOIN {PROFILES} p ON p.{PROFILE_USER} = d.author_id"
        f"{counts} ORDER BY 1, 2 DESC, 3 DESC"
    )
    params = [*found_params, *(kinds or []), RANK_WINDOW, *text_params, *score_params, limit, offset, *count_params]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    hits = [row[2:] for row in rows if row[0] == 0]
    return hits, (Counter({row[3]: row[4] for row in rows if row[0] == 1}) if kinds is None else None)


def _aware(value: datetime | str) -> datetime:
    """A timestamp read by plain SQL as the ORM would give it (SQLite hands back naive UTC, or text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _counts(found: tuple[str, tuple] | None) -> Counter:
    """Matches per kind, of the first COUNT_CAP + 1 found (in no order: a count, not a page), in one query."""
    if found is None:
        return Counter()
    sql, params = found
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.kind, COUNT(*) FROM (SELECT m.kind FROM ({sql}) m LIMIT %s) c GROUP BY c.kind",  # noqa: S608
            [*params, COUNT_CAP + 1],
        )
        return Counter(dict(cursor.fetchall()))


def _group_names() -> set[str]:
    return {g.name for g in registry.groups()}
