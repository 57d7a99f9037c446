"""Cached post cards (apps/feed/cards.py): never across the access rule, never stale, never someone else's state."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from apps.core.fragments import SLOT
from apps.feed import announcements, services
from apps.feed.models import Comment, Post


def _card(html: bytes, post: Post) -> str:
    """The <li> of one post in a page (cards end with their comment form, or with the footer)."""
    text = html.decode()
    start = text.index(f'id="post-{post.pk}"')
    return text[start : text.index("\n</li>", start)]


def _cached(post: Post) -> bool:
    return cache.get(f"feed:card:v1:{post.pk}:feed") is not None


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the services' on-commit work (card invalidation, events) as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_a_cached_card_of_a_confidential_post_is_never_served_across_departments(
    client_as, department, member, outsider, commit
):
    secret = commit(
        services.post_create, acting_user=member, department=department, body="Merger talks", is_confidential=True
    )
    mine = client_as("member").get("/")
    assert b"Merger talks" in mine.content and _cached(secret)
    outside = client_as("outsider")
    assert b"Merger talks" not in outside.get("/").content
    assert outside.get(f"/feed/posts/{secret.pk}/card/").status_code == 404
    assert outside.get(f"/feed/posts/{secret.pk}/").status_code == 404
    assert b"Merger talks" not in outside.get(f"/api/v1/posts/{secret.pk}/").content
    # and the member still gets it from the cache
    assert b"Merger talks" in client_as("member").get("/").content


def test_no_stale_card_after_an_edit_or_a_delete(client_as, department, member, colleague, commit):
    post = commit(services.post_create, acting_user=member, department=department, body="Lunch at noon")
    reader = client_as("colleague")
    assert b"Lunch at noon" in reader.get("/").content and _cached(post)
    commit(services.post_edit, acting_user=member, post=post, body="Lunch at one")
    page = reader.get("/").content
    assert b"Lunch at one" in page and b"Lunch at noon" not in page and b"edited" in _card(page, post).encode()
    commit(services.post_delete, acting_user=member, post=Post.objects.get(pk=post.pk))
    assert not _cached(post)
    assert b"Lunch at one" not in reader.get("/").content


def test_no_stale_card_after_a_reaction_and_no_one_elses_reaction_shown_as_mine(
    client_as, department, member, colleague, commit
):
    post = commit(services.post_create, acting_user=member, department=department, body="Ship it")
    reader, other = client_as("colleague"), client_as("member")
    reader.get("/")
    commit(services.reaction_toggle, acting_user=colleague, post=post, emoji="party")
    mine = _card(reader.get("/").content, post)
    theirs = _card(other.get("/").content, post)
    party = re.compile(r'data-emoji="party" aria-label="Celebrate reaction, 1"')
    assert party.search(mine) and party.search(theirs)
    assert 'class="reaction reaction-mine" aria-pressed="true" data-emoji="party"' in mine
    assert 'class="reaction" aria-pressed="false" data-emoji="party"' in theirs
    assert "reaction-mine" not in theirs


def test_no_stale_card_after_a_comment_its_edit_and_its_delete(client_as, department, member, colleague, commit):
    post = commit(services.post_create, acting_user=member, department=department, body="Ideas for the offsite?")
    reader = client_as("member")
    reader.get("/")
    comment = commit(services.comment_create, acting_user=colleague, post=post, body="Kayaking")
    card = _card(reader.get("/").content, post)
    assert "Kayaking" in card and "<span data-comment-count>1</span>" in card
    # an edit changes no count: only the service's invalidation can keep the card fresh
    commit(services.comment_edit, acting_user=colleague, comment=comment, body="Climbing")
    card = _card(reader.get("/").content, post)
    assert "Climbing" in card and "Kayaking" not in card
    commit(services.comment_delete, acting_user=colleague, comment=Comment.objects.get(pk=comment.pk))
    card = _card(reader.get("/").content, post)
    assert "Climbing" not in card and "<span data-comment-count>0</span>" in card


def test_the_acknowledgement_box_is_each_readers_own(client_as, announcement, member, colleague, manager, commit):
    client_as("member").get("/")  # cache the card
    commit(announcements.acknowledge, acting_user=member, post=announcement)
    assert "You acknowledged this" in _card(client_as("member").get("/").content, announcement)
    theirs = _card(client_as("colleague").get("/").content, announcement)
    assert "Acknowledge: read and understood" in theirs and "You acknowledged" not in theirs
    assert "You asked everyone to acknowledge" in _card(client_as("manager").get("/").content, announcement)


def test_a_cached_card_carries_the_readers_csrf_token_and_no_slot(department, member, colleague, commit):
    post = commit(services.post_create, acting_user=member, department=department, body="Vote please")
    first = Client(enforce_csrf_checks=True)
    first.force_login(member)
    first.get("/")  # cached with member's page
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(colleague)
    page = reader.get("/").content
    assert b"\x00" not in page
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', _card(page, post).encode()).group(1).decode()
    response = reader.post(
        f"/feed/posts/{post.pk}/react/", {"emoji": "heart", "csrfmiddlewaretoken": token, "next": "/"}
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).reaction_counts == {"heart": 1}


def test_times_are_shown_in_each_readers_time_zone(client_as, department, member, colleague, commit):
    from apps.people.models import Profile

    post = commit(
        services.post_create, acting_user=member, department=department, body="Release", is_confidential=False
    )
    Post.objects.filter(pk=post.pk).update(publish_at="2020-01-01T12:00:00Z", published_at="2020-01-01T12:00:00Z")
    Profile.objects.filter(user=colleague).update(time_zone="Asia/Tokyo")
    Profile.objects.filter(user=member).update(time_zone="UTC")
    assert "1 Jan 2020, 12:00" in _card(client_as("member").get("/").content, post)
    assert "1 Jan 2020, 21:00" in _card(client_as("colleague").get("/").content, post)
    assert SLOT.search(_card(client_as("colleague").get("/").content, post)) is None


def test_with_the_cache_down_the_feed_is_rendered_and_changes_still_commit(
    settings, client_as, department, member, commit
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on port 9  # fmt: skip
    post = commit(services.post_create, acting_user=member, department=department, body="Still here")
    reader = client_as("member")
    assert b"Still here" in reader.get("/").content
    commit(services.post_edit, acting_user=member, post=post, body="Still here, edited")
    assert b"Still here, edited" in reader.get("/").content


def test_no_stale_card_after_the_author_or_a_commenter_renames_or_changes_their_photo(
    client_as, department, member, colleague, commit
):
    """A card shows its author's and latest commenters' names and photos: the people services forget it."""
    from apps.people import services as people
    from tests.factories import image_bytes

    post = commit(services.post_create, acting_user=member, department=department, body="Quarterly numbers")
    commit(services.comment_create, acting_user=colleague, post=post, body="Great work")
    reader = client_as("colleague")
    reader.get("/")
    assert _cached(post)
    commit(people.profile_update, acting_user=member, profile=member.profile, display_name="Mia Renamed")
    commit(people.profile_update, acting_user=colleague, profile=colleague.profile, display_name="Cleo Renamed")
    card = _card(reader.get("/").content, post)
    assert "Mia Renamed" in card and "Cleo Renamed" in card
    assert "avatar-initials" in card and "<img" not in card.split('class="post-author"')[0]

    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("me.jpg", image_bytes(), content_type="image/jpeg")
    commit(people.profile_set_photo, acting_user=member, profile=member.profile, upload=photo)
    card = _card(reader.get("/").content, post)
    assert '<img class="avatar avatar-sm"' in card.split('class="post-author"')[0]
    commit(people.profile_remove_photo, acting_user=member, profile=member.profile)
    card = _card(reader.get("/").content, post)
    assert "<img" not in card.split('class="post-author"')[0]
