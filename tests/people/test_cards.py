"""Cached person cards (apps/people/cards.py): only for people the page's access rule lists, never stale."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.departments.services import membership_remove
from apps.people import cards
from apps.people.services import profile_update
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def _cached(user, show_bio: bool) -> bool:
    return cache.get(cards._key(user.pk, show_bio)) is not None


def test_a_cached_card_is_never_shown_across_departments(client_as, department, member, outsider, other_department):
    secret_keeper = UserFactory(display_name="Sam Secret", bio="Works on **Project X**.")
    add_member(department, secret_keeper)
    assert "Project X" in client_as("member").get("/departments/sales/").content.decode()
    assert _cached(secret_keeper, show_bio=True)
    outside = client_as("outsider")
    assert outside.get("/departments/sales/").status_code == 404
    own = outside.get(f"/departments/{other_department.slug}/").content.decode()
    assert "Olga Outsider" in own and "Sam Secret" not in own and "Project X" not in own
    # the member still gets it, from the cache
    assert "Project X" in client_as("member").get("/departments/sales/").content.decode()


def test_a_removed_member_leaves_the_department_page_though_their_card_is_cached(
    client_as, department, member, manager
):
    leaver = UserFactory(display_name="Lee Leaver")
    add_member(department, leaver)
    assert "Lee Leaver" in client_as("member").get("/departments/sales/").content.decode()
    membership_remove(acting_user=manager, department=department, user=leaver)
    assert "Lee Leaver" not in client_as("member").get("/departments/sales/").content.decode()


def test_no_stale_card_after_an_edit_a_role_change_or_the_end_of_an_absence(client_as, department, member, manager):
    reader = client_as("manager")
    assert "Mia Member" in reader.get("/departments/sales/").content.decode() and _cached(member, show_bio=True)
    profile_update(
        acting_user=member, profile=member.profile, display_name="Mia Renamed", job_title="Head of Pricing",
        bio="Now I like **margins**.", status="In workshops",
    )  # fmt: skip
    page = reader.get("/departments/sales/").content.decode()
    assert "Mia Renamed" in page and "Head of Pricing" in page and "<strong>margins</strong>" in page
    assert "In workshops" in page and "Mia Member" not in page and "pricing</strong>" not in page
    directory = reader.get("/people/").content.decode()
    assert "Mia Renamed" in directory and "Mia Member" not in directory

    add_member(department, member, "manager")
    card = _card(reader.get("/departments/sales/").content.decode(), "Mia Renamed")
    assert '<span class="badge">Manager</span>' in card

    # out of office until yesterday: the cached "Out of office" line goes when the day is over
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    profile = member.profile
    profile.away_until = timezone.localdate()
    profile.save()
    assert "Out of office" in _card(reader.get("/people/").content.decode(), "Mia Renamed")
    type(profile).objects.filter(pk=profile.pk).update(away_until=yesterday)  # as if a day had passed
    assert "Out of office" not in _card(reader.get("/people/").content.decode(), "Mia Renamed")


def _card(html: str, name: str) -> str:
    at = html.index(name)
    return html[html.rindex('<li class="person-card">', 0, at) : html.index("</li>", at)]


def test_with_the_cache_down_the_pages_still_show_everyone(settings, client_as, department, member, manager):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    page = client_as("member").get("/departments/sales/").content.decode()
    assert "Mia Member" in page and "Max Manager" in page
    assert "Max Manager" in client_as("member").get("/people/").content.decode()


@pytest.mark.parametrize("members", [10, 100])
def test_pages_use_the_cached_cards_with_constant_queries(
    client_as, department, member, members, django_assert_max_num_queries
):
    for i in range(members):
        add_member(department, UserFactory(display_name=f"Zoe Colleague {i:03d}", bio=f"Bio **{i}**."))
    client = client_as("member")
    client.get("/departments/sales/")
    client.get("/people/")
    profile = member.profile
    for show_bio, role in ((True, "member"), (False, "")):  # what the cache holds is what the pages show
        profile.role = role
        cache.set(cards._key(member.pk, show_bio), (cards.stamp(profile, show_bio), f"<li>cached {show_bio}</li>"))
    with django_assert_max_num_queries(5):  # the same queries as without the cache
        page = client.get("/departments/sales/").content.decode()
    assert "<li>cached True</li>" in page and page.count('class="person-card"') == min(members + 1, 60) - 1
    with django_assert_max_num_queries(2):
        directory = client.get("/people/").content.decode()
    assert "<li>cached False</li>" in directory
