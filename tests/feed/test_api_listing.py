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
