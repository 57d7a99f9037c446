"""Search: one service for the header box, the results page, the API, a room and a department.

Who may find what is decided inside the query, by the documents' audience keys (see
`visibility`: the reader's keys come from `apps.departments.access` and the apps' own
rules), never by filtering a page of results afterwards: pages, counts and tabs only ever
see rows the person may read. A results page costs three queries whatever the data: the
reader's keys, the page (with its snippets, and the rank window as a subquery), and the
(capped) counts per kind.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import Invalid
from apps.core.ids import parse_id
from apps.core.pagination import bad_cursor, sign_cursor, unsign_cursor

from . import registry, visibility
from .backends import backend
from .models import Document
from .query import ParsedQuery, parse

PAGE_SIZE = 20
MAX_OFFSET = 1_000  # 50 pages: past that, refine the words
# Counting every match of a common word costs more than it tells: counts stop here ("1000+").
COUNT_CAP = 1_000
SORTS = ("relevance", "date")
RANK_WINDOW = 2_000
# What a hit shows: fewer columns to compile, read and build objects from.
_SHOWN = (
    "kind", "object_id", "url", "title", "body", "created_at", "department__name", "author__email",
    "author__profile__display_name",
)  # fmt: skip


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
    author: User | None


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


def _extra_conditions(qs: QuerySet[Document], user, kinds: list[registry.SearchKind]) -> QuerySet[Document]:
    for k in kinds:
        if k.visible is not None:  # a kind's own extra condition (deprecated)
            qs = qs.filter(~Q(kind=k.name) | k.visible(user))
    return qs


def visible_documents(user, kinds: list[registry.SearchKind] | None = None) -> QuerySet[Document]:
    """Documents `user` may find: their audience keys, computed once (`visibility.visible`)."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return Document.objects.none()
    qs = Document.objects.filter(visibility.visible(user))
    if kinds is not None:
        qs = qs.filter(kind__in=[k.name for k in kinds])
    return _extra_conditions(qs, user, registry.kinds() if kinds is None else kinds)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(qs: QuerySet[Document], parsed: ParsedQuery, filters: Filters) -> QuerySet[Document]:
    if filters.department_id is not None:
        qs = qs.filter(department_id=filters.department_id)
    if filters.room_id is not None:
        qs = qs.filter(room_id=filters.room_id)
    if filters.author_id is not None:
        qs = qs.filter(author_id=filters.author_id)
    if filters.date_from is not None:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to is not None:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.has_file or parsed.has_file:
        qs = qs.filter(has_file=True)
    return qs


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
    all_kinds = registry.kinds()
    fuzzy = [k.name for k in all_kinds if k.fuzzy_title]
    base = _filtered(_extra_conditions(Document.objects.all(), acting_user, all_kinds), parsed, filters)
    keys = visibility.reader_keys(acting_user)
    fuzzy_audiences = {k.audience for k in all_kinds if k.fuzzy_title}
    matching = base.filter(
        engine.matches(
            parsed,
            fuzzy_kinds=fuzzy,
            within=visibility.condition(keys),
            fuzzy_within=visibility.condition(keys, only=fuzzy_audiences),
        )
    )
    wanted = {k.name for k in _kinds_for(filters.kind)}
    page_qs = matching.filter(kind__in=wanted) if filters.kind else matching
    if filters.sort == "date":
        order, score = ("-created_at", "-id"), None
    else:
        # Scoring every match of a common word (tens of thousands of rows) is what made search
        # slow at company scale: rank the newest RANK_WINDOW matches only (recency is part of
        # the score anyway). Rare words and phrases match fewer rows and are ranked in full.
        # The window is a subquery (the back ends' SQL names the row by its alias, so it is
        # not run once per row), never a list of ids through Python.
        window = page_qs.order_by("-created_at", "-id").values("pk")[:RANK_WINDOW]
        order, score = ("-score", "-id"), engine.score(parsed)
        page_qs = Document.objects.filter(pk__in=window).annotate(score=score)
    # One query: the page's ids (a subquery, over the documents alone), then those rows with
    # their department, author and snippet (joined and computed for the rows shown only).
    page_ids = page_qs.order_by(*order).values("pk")[offset : offset + page_size + 1]
    shown = Document.objects.filter(pk__in=page_ids)
    if score is not None:
        shown = shown.annotate(score=score)
    shown = shown.select_related("department", "author__profile").only(*_SHOWN).order_by(*order)
    shown = engine.with_snippets(shown, parsed)
    rows = list(shown)
    if len(rows) > page_size:
        rows = rows[:page_size]
        if offset + page_size <= MAX_OFFSET:
            results.next_cursor = sign_cursor(str(offset + page_size), ["search", filters.sort])
    if offset:
        results.previous_cursor = sign_cursor(str(max(0, offset - page_size)), ["search", filters.sort])
    for row in rows:
        k = registry.kind(row.kind)
        snippet = engine.snippet(row, parsed)
        results.hits.append(
            Hit(
                kind=row.kind,
                kind_label=k.label if k else row.kind,
                object_id=row.object_id,
                url=row.url,
                title=snippet.title,
                snippet=snippet.body,
                created_at=row.created_at,
                department_name=row.department.name if row.department_id else None,
                author=row.author,
            )
        )
    by_kind = _counts(matching)
    results.capped = sum(by_kind.values()) > COUNT_CAP
    for group in registry.groups():
        results.counts[group.name] = sum(by_kind.get(k.name, 0) for k in registry.kinds_in_group(group.name))
    if not results.hits and not offset:
        results.message = "Nothing you can see matches these words."
    return results


def _counts(matching: QuerySet[Document]) -> Counter:
    """Matches per kind, of the first COUNT_CAP + 1 found (in no order: a count, not a page), in one query."""
    try:
        sql, params = matching.order_by().values("kind")[: COUNT_CAP + 1].query.sql_with_params()
    except EmptyResultSet:  # a condition that can match nothing (no keys at all)
        return Counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT capped.kind, COUNT(*) FROM ({sql}) capped GROUP BY capped.kind", params)  # noqa: S608
        return Counter(dict(cursor.fetchall()))


def _group_names() -> set[str]:
    return {g.name for g in registry.groups()}
