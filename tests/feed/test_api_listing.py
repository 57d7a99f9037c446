"""The posts list of the API with each post's answer cached (apps/feed/api.py `serialize_listed`):
the same answer as the serializer, never across the access rule, never stale, never someone else's state."""

import pytest
from django.core.cache import cache

from apps.feed import services
from apps.feed.api import PostSerializer, _listed_key
from apps.feed.models import Post
from apps.people.services import profile_update

from .conftest import jpeg

pytestmark = pytest.mark.django_db


def _listed(client, **params) -> dict[int, dict]:
    response = client.get("/api/v1/posts/", params)
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()["results"]}


def _cached(post: Post) -> bool:
    return cache.get(_listed_key(post.pk)) is not None


def test_a_cached_answer_is_the_serializers_answer_with_my_own_state(client_as, department, member, colleague):
    post = services.post_create(
        acting_user=member, department=department, body="Quarterly **numbers**", images=[jpeg()],
    )  # fmt: skip
    services.reaction_toggle(acting_user=member, post=post, emoji="heart")
    cold = _listed(client_as("member"))[post.pk]
    assert _cached(post)
    warm = _listed(client_as("member"))[post.pk]
    assert warm == cold and list(warm) == list(PostSerializer.Meta.fields)  # same fields, same order
    assert warm["my_reactions"] == ["heart"] and len(warm["images"]) == 1
    # the colleague gets the same cached entry, with their own (empty) reactions
    theirs = _listed(client_as("colleague"))[post.pk]
    assert theirs["my_reactions"] == [] and {**theirs, "my_reactions": ["heart"]} == warm


def test_a_cached_confidential_post_is_never_listed_across_departments(client_as, department, member, outsider):
    secret = services.post_create(acting_user=member, department=department, body="Merger talks", is_confidential=True)
    assert secret.pk in _listed(client_as("member")) and _cached(secret)
    outside = client_as("outsider")
    assert secret.pk not in _listed(outside)
    assert secret.pk not in _listed(outside, department="sales")
    assert b"Merger talks" not in outside.get("/api/v1/posts/").content
    assert secret.pk in _listed(client_as("member"))  # still served to its readers, from the cache


def test_no_stale_answer_after_an_edit_a_reaction_a_comment_a_rename_or_a_delete(
    client_as, department, member, colleague
):
    post = services.post_create(acting_user=member, department=department, body="Lunch at noon")
    reader = client_as("colleague")
    assert _listed(reader)[post.pk]["body"] == "Lunch at noon" and _cached(post)
    services.post_edit(acting_user=member, post=post, body="Lunch at one")
    edited = _listed(reader)[post.pk]
    assert edited["body"] == "Lunch at one" and "Lunch at one" in edited["body_html"] and edited["edited_at"]
    services.reaction_toggle(acting_user=colleague, post=Post.objects.get(pk=post.pk), emoji="party")
    reacted = _listed(reader)[post.pk]
    assert reacted["reaction_counts"] == {"party": 1} and reacted["my_reactions"] == ["party"]
    assert _listed(client_as("member"))[post.pk]["my_reactions"] == []
    services.comment_create(acting_user=colleague, post=Post.objects.get(pk=post.pk), body="Count me in")
    assert _listed(reader)[post.pk]["comment_count"] == 1
    profile_update(acting_user=member, profile=member.profile, display_name="Mia Renamed")
    assert _listed(reader)[post.pk]["author"] == {"id": member.pk, "name": "Mia Renamed"}
    services.post_delete(acting_user=member, post=Post.objects.get(pk=post.pk))
    assert post.pk not in _listed(reader)


def test_acknowledged_is_each_readers_own(client_as, announcement, member, colleague):
    from apps.feed import announcements

    announcements.acknowledge(acting_user=member, post=announcement)
    assert _listed(client_as("member"))[announcement.pk]["acknowledged"] is True
    assert _listed(client_as("colleague"))[announcement.pk]["acknowledged"] is False
    assert _listed(client_as("member"))[announcement.pk]["acknowledged"] is True


def test_a_page_whose_answers_are_cached_costs_two_queries(
    client_as, department, member, manager, django_assert_max_num_queries
):
    for i in range(25):
        post = services.post_create(
            acting_user=manager, department=department, body=f"Post {i}", images=[jpeg()] if i % 4 == 0 else []
        )
        services.reaction_toggle(post=post, acting_user=member, emoji="heart")
    client = client_as("member")
    client.get("/api/v1/posts/")
    # the page's posts (with author, profile and department), my reactions and acknowledgements
    # (session and user come from the cache): no images or attachments pass when every answer is cached
    with django_assert_max_num_queries(2):
        page = client.get("/api/v1/posts/").json()
    assert len(page["results"]) == 20 and all(item["my_reactions"] == ["heart"] for item in page["results"])


def test_with_the_cache_down_the_list_is_the_same(settings, client_as, department, member):
    post = services.post_create(acting_user=member, department=department, body="Still here")
    expected = _listed(client_as("member"))[post.pk]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    assert _listed(client_as("member"))[post.pk] == expected


# ------------------------------------------------ the first page, kept per audience (`PostViewSet._first_page`)


def test_the_kept_first_page_is_the_uncached_answer_with_each_readers_state(
    settings, client_as, department, member, colleague, manager, django_assert_max_num_queries
):
    for i in range(25):
        post = services.post_create(acting_user=manager, department=department, body=f"Post {i}")
    services.reaction_toggle(acting_user=member, post=post, emoji="heart")
    reader = client_as("member")
    cold = reader.get("/api/v1/posts/").json()
    # the departments the reader reads (the audience), and my reactions and acknowledgements
    with django_assert_max_num_queries(2):
        warm = reader.get("/api/v1/posts/").json()
    assert warm == cold and len(warm["results"]) == 20 and warm["previous"] is None
    assert warm["results"][0]["id"] == post.pk and warm["results"][0]["my_reactions"] == ["heart"]
    theirs = client_as("colleague").get("/api/v1/posts/").json()  # the same audience: the kept page
    assert theirs["results"][0]["my_reactions"] == [] and theirs["next"] == warm["next"]
    assert [item["id"] for item in theirs["results"]] == [item["id"] for item in warm["results"]]
    # the kept cursor goes on where the page ended
    rest = reader.get(warm["next"]).json()
    assert [item["body"] for item in rest["results"]] == [f"Post {i}" for i in range(4, -1, -1)]
    # and the answer is the one built without any cache
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    assert reader.get("/api/v1/posts/").json() == warm


def test_the_kept_first_page_follows_memberships_and_the_department_asked_for(
    client_as, department, member, outsider, manager, django_capture_on_commit_callbacks
):
    from apps.departments.services import membership_remove
    from tests.factories import add_member

    secret = services.post_create(acting_user=manager, department=department, body="Merger", is_confidential=True)
    reader = client_as("member")
    assert secret.pk in _listed(reader) and secret.pk in _listed(reader, department="sales")
    assert _listed(reader, department="sales").keys() == {secret.pk}
    assert _listed(reader, department="") == _listed(reader)  # an empty filter is no filter
    assert secret.pk not in _listed(client_as("outsider")) and _listed(client_as("outsider"), department="sales") == {}
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(acting_user=manager, department=department, user=member)
    assert secret.pk not in _listed(reader) and _listed(reader, department="sales") == {}
    add_member(department, outsider)  # someone who joins gets the page at once
    assert secret.pk in _listed(client_as("outsider"))


def test_the_kept_first_page_shows_a_pin_ended_by_the_clock(monkeypatch, client_as, department, manager, member):
    from datetime import timedelta

    from django.utils import timezone

    ends = timezone.now() + timedelta(hours=2)
    pinned = services.post_create(
        acting_user=manager, department=department, kind="announcement", body="Fire drill", pinned_until=ends
    )
    reader = client_as("member")
    assert _listed(reader)[pinned.pk]["pinned"] is True
    assert _listed(reader)[pinned.pk]["pinned"] is True  # kept
    later = ends + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # no write when the pin ends
    assert _listed(reader)[pinned.pk]["pinned"] is False
