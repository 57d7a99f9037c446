"""The results page, the header box and GET /api/v1/search/: permissions, shapes and bad input."""

import pytest

from apps.chat.models import Room
from apps.feed import services as feed
from tests.matrix import cases, check, matrix
from tests.matrix import expect as S


@pytest.fixture
def world(department, member, manager, outsider, admin_user):
    post = feed.post_create(acting_user=member, department=department, body="Quarterly budget review")
    return {"department": department.pk, "post": post.pk, "room": Room.objects.get(department=department).pk}


ROUTES = matrix(
    ("get", "/search/", None, S(302, 200, 200, 200, 200)),
    ("get", "/search/?q=budget", None, S(302, 200, 200, 200, 200)),
    ("get", "/search/?q=budget&department={department}&sort=date&kind=posts", None, S(302, 200, 200, 200, 200)),
    ("get", "/api/v1/search/?q=budget", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/search/?q=budget&room={room}", None, S(401, 200, 200, 200, 200)),
)


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_search_pages_and_endpoint_check_permissions(client_as, world, route, role):
    check(client_as, world, route, role)


def test_the_page_shows_highlighted_results_and_tabs_with_counts(client_as, world):
    page = client_as("member").get("/search/", {"q": "budget"}).content.decode()
    assert "<mark>budget</mark>" in page
    assert f'href="/feed/posts/{world["post"]}/"' in page
    assert 'Posts and comments <span class="count-badge">1</span>' in page


def test_an_outsider_sees_neither_the_result_nor_its_count(client_as, world):
    page = client_as("outsider").get("/search/", {"q": "budget"}).content.decode()
    assert "<mark>" not in page and "Nothing you can see matches" in page
    body = client_as("outsider").get("/api/v1/search/", {"q": "budget"}).json()
    assert body["results"] == [] and set(body["counts"].values()) == {0}


def test_every_page_has_the_header_search_box_with_its_shortcut(client_as, world):
    page = client_as("member").get("/").content.decode()
    assert 'id="header-search"' in page and 'aria-keyshortcuts="/"' in page and "js/search.js" in page


@pytest.mark.parametrize(
    "params",
    [{"q": "x" * 10_000}, {"q": "budget", "sort": "sideways"}, {"q": "budget", "from": "yesterday"},
     {"q": "budget", "kind": "spaceships"}, {"q": "budget", "cursor": "forged"}, {"q": '"unclosed'},
     {"q": "-"}, {"q": "'; select 1; --"}],
)  # fmt: skip
def test_bad_input_gets_a_clear_message_on_the_page_never_an_error(client_as, world, params):
    response = client_as("member").get("/search/", params)
    assert response.status_code == 200


def test_the_api_answers_bad_input_with_a_400_and_a_code(client_as, world):
    client = client_as("member")
    too_long = client.get("/api/v1/search/", {"q": "x" * 10_000})
    assert too_long.status_code == 400 and too_long.json()["code"] == "query_too_long"
    assert client.get("/api/v1/search/", {"q": "budget", "cursor": "forged"}).json()["code"] == "bad_cursor"
    assert client.get("/api/v1/search/", {"q": "budget", "kind": "spaceships"}).json()["code"] == "unknown_kind"
    empty = client.get("/api/v1/search/", {"q": "-"}).json()
    assert empty["results"] == [] and empty["message"]


def test_the_api_pages_with_next_and_previous_links(client_as, department, member):
    for n in range(5):
        feed.post_create(acting_user=member, department=department, body=f"Release notes {n}")
    client = client_as("member")
    first = client.get("/api/v1/search/", {"q": "release", "page_size": 2}).json()
    assert len(first["results"]) == 2 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert second["previous"] and {r["id"] for r in second["results"]}.isdisjoint({r["id"] for r in first["results"]})
    hit = first["results"][0]
    assert set(hit) == {"kind", "kind_label", "id", "url", "title", "snippet", "created_at", "department", "author"}
    assert hit["author"]["id"] == member.pk and hit["department"] == department.name


def test_a_search_page_costs_the_same_queries_with_more_results(
    client_as, department, member, django_assert_max_num_queries
):
    client = client_as("member")
    feed.post_create(acting_user=member, department=department, body="Hiring plan")
    client.get("/search/", {"q": "hiring"})
    with django_assert_max_num_queries(20) as few:
        client.get("/search/", {"q": "hiring"})
    for n in range(25):
        feed.post_create(acting_user=member, department=department, body=f"Hiring plan {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/search/", {"q": "hiring"})


def test_the_api_answer_is_what_its_schema_serializer_says(client_as, department, member):
    """The hits are built without the serializer (for speed): they must stay exactly what it would give."""
    from apps.search import services
    from apps.search.api import SearchResultsSerializer

    feed.post_create(acting_user=member, department=department, body="Budget <b>review</b> for May")
    body = client_as("member").get("/api/v1/search/", {"q": "budget"}).json()
    results = services.search(acting_user=member, q="budget")
    expected = SearchResultsSerializer(
        {"next": None, "previous": None, "results": results.hits, "counts": results.counts,
         "counts_capped": results.capped, "message": results.message},
    ).data  # fmt: skip
    assert body["results"] and body["results"] == [dict(hit) for hit in expected["results"]]
    assert body["counts"] == expected["counts"] and body["counts_capped"] is expected["counts_capped"]
