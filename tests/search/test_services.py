"""The search service: ranking, snippets, filters, pages, bad input and the two back ends' shared behaviour."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.errors import Invalid
from apps.feed import services as feed
from apps.feed.models import Post
from apps.search import services
from apps.search.index import update_index
from apps.search.models import Document
from apps.search.query import MAX_QUERY_LENGTH, parse
from apps.voting import services as voting
from tests.factories import DepartmentFactory, UserFactory, add_member


def _search(user, q, **filters):
    return services.search(acting_user=user, q=q, filters=services.Filters(**filters))


def test_an_exact_title_match_beats_a_mention_in_the_body(department, member):
    body = voting.idea_create(
        acting_user=member, department=department, title="Better lunches", description="We could try a kanban board."
    )
    title = voting.idea_create(acting_user=member, department=department, title="Kanban board")
    Document.objects.filter(object_id=title.pk, kind="idea").update(created_at=timezone.now() - timedelta(days=60))
    hits = _search(member, "kanban board").hits
    assert [h.object_id for h in hits] == [title.pk, body.pk]


def test_the_newer_of_two_equal_matches_comes_first(department, member):
    old = feed.post_create(acting_user=member, department=department, body="Quarterly numbers are in")
    new = feed.post_create(acting_user=member, department=department, body="Quarterly numbers are in")
    Post.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=90))
    update_index(Post, [old.pk])
    assert [h.object_id for h in _search(member, "quarterly").hits] == [new.pk, old.pk]
    by_date = _search(member, "quarterly", sort="date").hits
    assert [h.object_id for h in by_date] == [new.pk, old.pk]


def test_snippets_highlight_the_words_and_carry_no_markup_from_the_content(department, member):
    feed.post_create(
        acting_user=member, department=department, body='Pricing <script>alert("x")</script> <b>update</b> for May'
    )
    (hit,) = _search(member, "pricing", kind="post").hits
    assert "<mark>Pricing</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "<b>" not in hit.snippet
    # SQLite: the tags are shown as text (escaped); PostgreSQL's ts_headline drops them. Never markup.
    assert "alert(&quot;x&quot;)" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet or connection.vendor == "postgresql"


def test_control_characters_cannot_forge_a_highlight(department, member):
    feed.post_create(acting_user=member, department=department, body="Budget \x02<img src=x>\x03 review")
    (hit,) = _search(member, "budget").hits
    assert "<img" not in hit.snippet and hit.snippet.count("<mark>") == hit.snippet.count("</mark>")


@pytest.mark.parametrize(
    "q",
    ["", "   ", "-", "--", '"', '""', "-pricing", "&|!():*", "'; DROP TABLE search_document; --", '"unclosed quote',
     "or", "OR OR", "\\", "%_%", "NEAR(a b)", "title:x", "^x", "a" * MAX_QUERY_LENGTH],
)  # fmt: skip
def test_hostile_or_empty_queries_give_an_answer_never_an_error(department, member, q):
    feed.post_create(acting_user=member, department=department, body="Pricing update")
    results = _search(member, q)
    assert results.total >= 0
    if parse(q).is_empty:
        assert results.message and results.hits == []


def test_a_query_too_long_is_refused_with_a_message(member):
    with pytest.raises(Invalid) as refusal:
        _search(member, "word " * 2000)
    assert refusal.value.code == "query_too_long"


def test_quotes_keep_a_phrase_and_minus_leaves_words_out(department, member):
    together = feed.post_create(acting_user=member, department=department, body="The price list is ready")
    apart = feed.post_create(acting_user=member, department=department, body="A list of every price")
    assert {h.object_id for h in _search(member, '"price list"', kind="post").hits} == {together.pk}
    assert {h.object_id for h in _search(member, "price -ready", kind="post").hits} == {apart.pk}


def test_people_are_found_with_typos_and_prefixes(department, member):
    john = UserFactory(display_name="John Smith")
    UserFactory(display_name="Mary Jones")
    for q in ("jon smi", "john", "smi", "jhon smith"):
        assert john.profile.pk in {h.object_id for h in _search(member, q, kind="people").hits}, q


def test_departments_are_found_with_a_typo(member):
    marketing = DepartmentFactory(name="Marketing")
    add_member(marketing, member)
    assert [h.object_id for h in _search(member, "markting", kind="departments").hits] == [marketing.pk]


def test_filters_by_author_date_department_and_file(department, member, colleague):
    mine = feed.post_create(acting_user=member, department=department, body="Roadmap draft")
    theirs = feed.post_create(acting_user=colleague, department=department, body="Roadmap review")
    assert {h.object_id for h in _search(member, "roadmap", author_id=colleague.pk).hits} == {theirs.pk}
    today = timezone.localdate()
    assert len(_search(member, "roadmap", date_from=today, date_to=today).hits) == 2
    assert _search(member, "roadmap", date_to=today - timedelta(days=1)).hits == []
    assert len(_search(member, "roadmap", department_id=department.pk).hits) == 2
    assert _search(member, "roadmap has:file").hits == []
    assert mine.pk in {h.object_id for h in _search(member, "roadmap", kind="post").hits}


def test_bad_filters_are_refused_clearly():
    for params, code in [({"kind": "nope"}, "unknown_kind"), ({"sort": "x"}, "bad_sort"), ({"from": "1 May"}, "bad_date"),
                         ({"department": "-1"}, "bad_id"), ({"from": "2026-02-02", "to": "2026-01-01"}, "bad_date")]:  # fmt: skip
        with pytest.raises(Invalid) as refusal:
            services.parse_filters(params)
        assert refusal.value.code == code


def test_pages_follow_each_other_and_a_forged_cursor_is_refused(department, member):
    for n in range(7):
        feed.post_create(acting_user=member, department=department, body=f"Standup notes {n}")
    first = services.search(acting_user=member, q="standup", page_size=3)
    second = services.search(acting_user=member, q="standup", page_size=3, cursor=first.next_cursor)
    third = services.search(acting_user=member, q="standup", page_size=3, cursor=second.next_cursor)
    ids = [h.object_id for page in (first, second, third) for h in page.hits]
    assert len(ids) == len(set(ids)) == 7 and third.next_cursor is None
    with pytest.raises(Invalid) as refusal:
        services.search(acting_user=member, q="standup", cursor="3")
    assert refusal.value.code == "bad_cursor"


def test_links_go_to_the_exact_place(department, member):
    from apps.chat import services as chat
    from apps.chat.models import Room

    post = feed.post_create(acting_user=member, department=department, body="Venue options")
    comment = feed.comment_create(acting_user=member, post=post, body="The venue by the river")
    room = Room.objects.get(department=department)
    message, _ = chat.message_send(acting_user=member, room_id=room.pk, body="venue booked", check_rate_limit=False)
    urls = {h.kind: h.url for h in _search(member, "venue").hits}
    assert urls["comment"] == f"/feed/posts/{post.pk}/#comment-{comment.pk}"
    assert urls["message"] == f"/chat/{room.pk}/#message-{message.pk}"
    assert urls["post"] == f"/feed/posts/{post.pk}/"
    in_room = _search(member, "venue", room_id=room.pk).hits
    assert [h.kind for h in in_room] == ["message"]


@pytest.mark.parametrize(("kind", "queries"), [(None, 2), ("posts", 3)])
def test_a_results_page_costs_the_same_queries_with_more_results(
    department, member, django_assert_max_num_queries, kind, queries
):
    feed.post_create(acting_user=member, department=department, body="Offsite plans")
    # The reader's audience keys, then the page with its snippets and the counts in one
    # statement; a tab's page has only its kinds, so its counts of every tab are one more.
    with django_assert_max_num_queries(queries) as few:
        services.search(acting_user=member, q="offsite", filters=services.Filters(kind=kind))
    assert len(few.captured_queries) == queries
    for n in range(25):
        feed.post_create(acting_user=member, department=department, body=f"Offsite plans {n}")
    with django_assert_max_num_queries(queries):
        results = services.search(acting_user=member, q="offsite", filters=services.Filters(kind=kind))
    assert len(results.hits) == services.PAGE_SIZE


def _forecasts(department, member) -> None:
    from apps.chat import services as chat
    from apps.chat.models import Room

    room = Room.objects.get(department=department)
    for n in range(3):
        post = feed.post_create(acting_user=member, department=department, body=f"Forecast {n}")
        feed.comment_create(acting_user=member, post=post, body="and the forecast for spring")
    for n in range(2):
        chat.message_send(acting_user=member, room_id=room.pk, body=f"forecast {n}", check_rate_limit=False)


def test_every_tab_shows_the_same_counts_of_every_tab(department, member):
    _forecasts(department, member)
    everything = _search(member, "forecast")
    assert everything.counts["posts"] == 6 and everything.counts["chat"] == 2 and not everything.capped
    for kind in ("posts", "chat", "people", "message"):
        tab = _search(member, "forecast", kind=kind)
        assert (tab.counts, tab.capped) == (everything.counts, False), kind
    assert {h.kind for h in _search(member, "forecast", kind="chat").hits} == {"message"}


@pytest.mark.parametrize("kind", [None, "chat"])
def test_counts_stop_at_the_cap(department, member, monkeypatch, kind):
    _forecasts(department, member)
    monkeypatch.setattr(services, "COUNT_CAP", 4)
    results = _search(member, "forecast", kind=kind)
    assert results.capped and results.total == 5  # the cap and one more: "4+"
    dated = _search(member, "forecast", kind=kind, sort="date")
    assert dated.capped and dated.total == 5
    assert [h.created_at for h in dated.hits] == sorted((h.created_at for h in dated.hits), reverse=True)


# The same cases, whichever back end this run uses (CI: PostgreSQL; `make run`: SQLite's FTS5).
SHARED_CASES = [
    ("invoice", {"invoice"}),
    ("invoices", {"invoice"}),  # stemming
    ("INVOICE", {"invoice"}),
    ('"late invoice"', {"invoice"}),
    ("invoice -late", set()),
    ("customer", {"invoice", "customers"}),
    ("customer renewal", {"customers"}),
    ("zzzz", set()),
    ("invoice or renewal", {"invoice", "customers"}),
    ("late invoice or renewal", {"invoice", "customers"}),
    ("late renewal or zzzz", set()),
    ("customer -late or zzzz", {"customers"}),
]


@pytest.mark.parametrize(("q", "expected"), SHARED_CASES)
def test_both_back_ends_agree_on_the_shared_cases(department, member, q, expected):
    posts = {
        "invoice": "A late invoice from a customer",
        "customers": "Customers asked about the renewal",
    }
    ids = {
        feed.post_create(acting_user=member, department=department, body=body).pk: key for key, body in posts.items()
    }
    found = {ids[h.object_id] for h in _search(member, q, kind="post").hits}
    assert found == expected, connection.vendor


def test_the_index_rebuilds_from_scratch_and_fills_what_bulk_loads_skipped(department, member):
    from django.core.management import call_command

    from apps.search.index import index_missing

    post = feed.post_create(acting_user=member, department=department, body="Warehouse move")
    Document.objects.all().delete()
    assert _search(member, "warehouse").hits == []
    assert index_missing() > 0 and index_missing() == 0
    assert [h.object_id for h in _search(member, "warehouse").hits] == [post.pk]
    call_command("search_index", verbosity=0)
    assert [h.object_id for h in _search(member, "warehouse").hits] == [post.pk]


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_outside_a_transaction_leaves_its_indexes_compact_and_valid(department, member):
    """`search_index` as an operator runs it: committed, then VACUUM and REINDEX CONCURRENTLY."""
    from django.core.management import call_command

    post = feed.post_create(acting_user=member, department=department, body="Warehouse move")
    call_command("search_index", verbosity=0)
    assert [h.object_id for h in _search(member, "warehouse").hits] == [post.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'search_document'::regclass"
        )
        indexes = dict(cursor.fetchall())
    assert {"search_doc_vector", "search_doc_title_trgm"} <= set(indexes)
    assert all(indexes.values()) and not [name for name in indexes if "ccnew" in name or "ccold" in name]
