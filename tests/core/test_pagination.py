"""Cursors are signed: only a cursor we made, for that ordering, ever reaches a query."""

import base64

import pytest
from rest_framework.pagination import CursorPagination

from apps.core.errors import Invalid
from apps.core.pagination import KeysetPagination, SignedCursorPagination, keyset_page
from apps.feed import services as feed_services
from apps.people.models import Profile
from tests.factories import UserFactory, add_member
from tests.world import api_operations, build_world, every_route, fill_api_path

pytestmark = pytest.mark.django_db

FORGED = [
    "abc",
    base64.b64encode(b"p=abc").decode(),  # DRF's own format, unsigned: a text where the query wants an id
    base64.b64encode(b"o=5&p=2020-13-45").decode(),
    "WyJhIiwiYiJd",  # the old keyset format, unsigned
    "cD1hYmM:forged-signature",
    "A" * 3000,
]


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_cursor_pagination_of_ours_signs_its_cursors():
    ours = {cls for cls in _subclasses(CursorPagination) if cls.__module__.startswith("apps.")}
    assert ours and all(issubclass(cls, SignedCursorPagination) for cls in ours), ours


def test_every_paginated_api_view_uses_a_signed_pagination():
    checked = 0
    for _, pattern in every_route():
        view = getattr(pattern.callback, "cls", None)
        pagination = getattr(view, "pagination_class", None)
        if pagination is not None and view.__module__.startswith("apps."):
            assert issubclass(pagination, SignedCursorPagination | KeysetPagination), view
            checked += 1
    assert checked > 5


@pytest.fixture
def world(department, member, manager):
    colleague = UserFactory(email="colleague@example.com", display_name="Carl Colleague")
    add_member(department, colleague)
    return build_world(department=department, member=member, manager=manager, colleague=colleague)


CURSOR_LISTS = [
    (method, path) for method, path, operation in api_operations()
    if method == "GET" and any(p["name"] == "cursor" for p in operation.get("parameters", []))
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), CURSOR_LISTS)
def test_a_forged_cursor_is_a_400_on_every_cursor_paginated_list(client_as, world, method, path):
    client = client_as("member")
    url = fill_api_path(path, world)
    extra = "&department=sales" if path.endswith("/scheduled/") else ""
    assert client.get(f"{url}?page_size=1{extra}").status_code == 200
    for cursor in FORGED:
        response = client.get(url, {"cursor": cursor, "department": "sales"} if extra else {"cursor": cursor})
        assert response.status_code == 400, (url, cursor, response.content[:200])
        assert response.json()["code"] == "bad_cursor"


def test_there_are_cursor_paginated_lists_to_check():
    assert len(CURSOR_LISTS) >= 12


def test_next_links_page_through_a_list_and_only_work_for_their_own_ordering(client_as, member, department):
    for n in range(4):
        add_member(department, UserFactory(display_name=f"Zed {n}"))
    client = client_as("member")
    seen, url = [], "/api/v1/users/?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [user["id"] for user in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 5
    # A cursor of the id-ordered users list is refused by the name-ordered profiles list.
    users_cursor = client.get("/api/v1/users/?page_size=2").json()["next"].split("cursor=")[1]
    response = client.get(f"/api/v1/profiles/?cursor={users_cursor}")
    assert response.status_code == 400 and response.json()["code"] == "bad_cursor"


def test_keyset_pages_refuse_a_forged_cursor_in_the_api_and_start_over_on_pages(member, department):
    for n in range(3):
        add_member(department, UserFactory(display_name=f"Zed {n}"))
    profiles = Profile.objects.all()
    first = keyset_page(profiles, fields=("display_name", "id"), cursor=None, size=2)
    second = keyset_page(profiles, fields=("display_name", "id"), cursor=first.next_cursor, size=2)
    assert not second.is_first and {p.pk for p in second.items}.isdisjoint({p.pk for p in first.items})
    for cursor in FORGED:
        page = keyset_page(profiles, fields=("display_name", "id"), cursor=cursor, size=2)
        assert page.is_first and page.items == first.items
    other_ordering = keyset_page(profiles, fields=("-id",), cursor=first.next_cursor, size=2)
    assert other_ordering.is_first
    with pytest.raises(Invalid) as refused:
        keyset_page(profiles, fields=("display_name", "id"), cursor="abc", size=2, strict=True)
    assert refused.value.code == "bad_cursor"


def test_html_pages_show_the_first_page_for_a_forged_cursor(client_as, world):
    client = client_as("member")
    for path in ("/", "/feed/", "/feed/d/sales/", "/people/", "/departments/sales/", "/departments/sales/members/",
                 "/ideas/sales/", "/ideas/sales/polls/", f"/ideas/sales/{world['idea_id']}/", "/notifications/"):  # fmt: skip
        first = client.get(path)
        assert first.status_code in {200, 403}, path
        for cursor in FORGED:
            response = client.get(path, {"cursor": cursor})
            assert response.status_code == first.status_code, (path, cursor)


def test_the_home_feed_still_shows_pinned_announcements_for_a_forged_cursor(client_as, world, manager, department):
    """A forged cursor is the first page, pinned announcements (not part of the paged list) included."""
    feed_services.post_create(acting_user=manager, department=department, body="Holiday hours", kind="announcement")
    assert "Holiday hours" in client_as("member").get("/", {"cursor": FORGED[1]}).content.decode()


def test_a_page_size_that_is_not_a_plain_number_is_the_default(client_as, world):
    for raw in ("²", "-1", "0", str(2**70), "1e3"):
        assert client_as("member").get("/api/v1/ideas/", {"page_size": raw}).status_code == 200
