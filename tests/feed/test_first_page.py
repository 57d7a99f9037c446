"""The first page cached per audience (apps/feed/first_page.py): never across the access rule, never stale."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.departments.services import membership_remove
from apps.feed import announcements, selectors, services
from apps.feed.models import Comment, Post
from tests.factories import DepartmentFactory, UserFactory, add_member


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the services' on-commit work (cache invalidation, events) as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_a_cached_first_page_with_a_confidential_post_is_only_served_to_its_department(
    client_as, department, member, outsider, admin_user, commit
):
    secret = commit(
        services.post_create, acting_user=member, department=department, body="Merger talks", is_confidential=True
    )
    assert b"Merger talks" in client_as("member").get("/").content
    assert b"Merger talks" in client_as("member").get("/").content  # from the cache now
    assert b"Merger talks" not in client_as("outsider").get("/").content
    assert b"Merger talks" not in client_as("admin_user").get("/").content  # an admin who is not a member
    # Someone who reads exactly All staff and Sales gets the cached page; anyone else has another audience.
    newcomer = UserFactory()
    add_member(department, newcomer)
    from django.test import Client

    reader = Client()
    reader.force_login(newcomer)
    assert b"Merger talks" in reader.get("/").content
    assert secret.pk in [p.pk for p in reader.get("/").context["page"].items]


def test_a_member_who_leaves_no_longer_gets_the_cached_page_of_the_department(
    client_as, department, member, manager, commit
):
    commit(
        services.post_create, acting_user=manager, department=department, body="Only for Sales", is_confidential=True
    )
    reader = client_as("member")
    assert b"Only for Sales" in reader.get("/").content
    commit(membership_remove, acting_user=manager, department=department, user=member)
    page = reader.get("/")
    assert b"Only for Sales" not in page.content
    assert all(p.department_id != department.pk for p in page.context["page"].items)
    # and joining again gives it back at once
    commit(add_member, department, member)
    assert b"Only for Sales" in reader.get("/").content


def test_no_stale_first_page_after_a_new_post_an_edit_and_a_delete(client_as, department, member, colleague, commit):
    reader = client_as("colleague")
    assert b"Lunch at noon" not in reader.get("/").content  # the empty first page is cached
    post = commit(services.post_create, acting_user=member, department=department, body="Lunch at noon")
    assert b"Lunch at noon" in reader.get("/").content
    commit(services.post_edit, acting_user=member, post=post, body="Lunch at one")
    page = reader.get("/").content
    assert b"Lunch at one" in page and b"Lunch at noon" not in page
    commit(services.post_delete, acting_user=member, post=Post.objects.get(pk=post.pk))
    assert b"Lunch at one" not in reader.get("/").content


def test_no_stale_first_page_after_a_comment_its_edit_and_its_delete(client_as, department, member, colleague, commit):
    post = commit(services.post_create, acting_user=member, department=department, body="Offsite ideas?")
    reader = client_as("member")
    reader.get("/")
    comment = commit(services.comment_create, acting_user=colleague, post=post, body="Kayaking")
    assert b"Kayaking" in reader.get("/").content
    commit(services.comment_edit, acting_user=colleague, comment=comment, body="Climbing")
    page = reader.get("/").content
    assert b"Climbing" in page and b"Kayaking" not in page
    commit(services.comment_delete, acting_user=colleague, comment=Comment.objects.get(pk=comment.pk))
    assert b"Climbing" not in reader.get("/").content


def test_no_stale_first_page_after_a_reaction_and_mine_stay_mine(client_as, department, member, colleague, commit):
    post = commit(services.post_create, acting_user=member, department=department, body="Ship it")
    reader, other = client_as("colleague"), client_as("member")
    reader.get("/")
    other.get("/")
    commit(services.reaction_toggle, acting_user=colleague, post=post, emoji="party")
    mine, theirs = reader.get("/").content.decode(), other.get("/").content.decode()
    assert 'aria-label="Celebrate reaction, 1"' in mine and 'aria-label="Celebrate reaction, 1"' in theirs
    assert 'class="reaction reaction-mine" aria-pressed="true" data-emoji="party"' in mine
    assert "reaction-mine" not in theirs


def test_a_new_pinned_announcement_and_a_pin_that_ends_by_the_clock(department, member, manager, commit):
    commit(services.post_create, acting_user=member, department=department, body="An ordinary post")
    audience = [department.pk]
    now = timezone.now()
    pinned, page = selectors.feed_page(member, audience=audience)
    assert pinned == [] and [p.body for p in page.items] == ["An ordinary post"]
    ends = now + timedelta(hours=2)
    commit(
        services.post_create, acting_user=manager, department=department, kind="announcement", body="Fire drill",
        pinned_until=ends,
    )  # fmt: skip
    pinned, page = selectors.feed_page(member, audience=audience)
    assert [p.body for p in pinned] == ["Fire drill"]
    assert [p.body for p in selectors.feed_page(member, audience=audience)[0]] == ["Fire drill"]  # cached
    # No write when the pin ends: the cached page is not used past that moment.
    pinned, page = selectors.feed_page(member, audience=audience, now=ends + timedelta(seconds=1))
    assert pinned == [] and [p.body for p in page.items] == ["Fire drill", "An ordinary post"]


def test_a_scheduled_post_appears_on_the_cached_first_page_when_it_is_published(client_as, department, member, commit):
    later = timezone.now() + timedelta(hours=1)
    post = commit(services.post_create, acting_user=member, department=department, body="Tomorrow", publish_at=later)
    reader = client_as("member")
    assert b"Tomorrow" not in reader.get("/").content
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    commit(services.post_publish_if_due, post_id=post.pk)
    assert b"Tomorrow" in reader.get("/").content


def test_an_acknowledgement_is_the_readers_own_on_a_cached_page(client_as, announcement, member, colleague, commit):
    client_as("member").get("/")
    commit(announcements.acknowledge, acting_user=member, post=announcement)
    assert b"You acknowledged this" in client_as("member").get("/").content
    theirs = client_as("colleague").get("/").content
    assert b"Acknowledge: read and understood" in theirs and b"You acknowledged this" not in theirs


def test_a_lost_generation_token_never_revives_an_old_page(client_as, department, member, commit):
    reader = client_as("member")
    reader.get("/")  # cached with the department's token
    cache.delete_many([f"feed:gen:v1:{department.pk}"])  # evicted
    Post.objects.create(
        department=department, author=member, body="Written behind the services' back", body_html="<p>Behind</p>",
        publish_at=timezone.now(), published_at=timezone.now(),
    )  # fmt: skip
    assert b"Behind" in reader.get("/").content


def test_other_departments_keep_their_cached_pages(department, member, commit):
    elsewhere = DepartmentFactory(name="Support")
    add_member(elsewhere, member)
    commit(services.post_create, acting_user=member, department=elsewhere, body="Support news")
    selectors.feed_page(member, audience=[elsewhere.pk])
    before = cache.get(f"feed:gen:v1:{elsewhere.pk}")
    commit(services.post_create, acting_user=member, department=department, body="Sales news")
    assert cache.get(f"feed:gen:v1:{elsewhere.pk}") == before


def test_a_cached_first_page_costs_no_query_for_the_posts(
    client_as, department, member, manager, django_assert_num_queries
):
    services.post_create(acting_user=manager, department=department, kind="announcement", body="Pinned")
    for i in range(12):
        services.post_create(acting_user=member, department=department, body=f"Post {i}")
    client = client_as("member")
    client.get("/")
    # the departments read (audience, composer and side list), my reactions and acknowledgements,
    # both unread badges (one query); the session and the user come from the cache
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.content.count(b"data-post=") == 11


@pytest.mark.parametrize("mode", ["remove", "keep"])
def test_an_erased_persons_posts_and_name_leave_the_cached_first_page(
    settings, client_as, department, member, colleague, admin_user, commit, mode
):
    from apps.privacy.services import person_erase

    settings.ERASURE_CONTENT = mode
    post = commit(services.post_create, acting_user=colleague, department=department, body="My last words")
    commit(services.comment_create, acting_user=colleague, post=post, body="And a comment")
    reader = client_as("member")
    page = reader.get("/").content
    assert b"My last words" in page and b"Carl Colleague" in page
    commit(person_erase, acting_user=admin_user, user=colleague)
    page = reader.get("/").content
    assert b"Carl Colleague" not in page
    assert (b"My last words" in page) == (mode == "keep")


def test_the_kept_composer_carries_each_readers_token_and_way_back(department, member, manager):
    import re

    from django.test import Client

    def composer(user, path="/"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        html = client.get(path).content.decode()
        form = html[html.index("data-composer") : html.index("</form>", html.index("data-composer"))]
        return client, form

    client, form = composer(member)
    assert "\x00" not in form and 'name="next" value="/"' in form
    assert 'name="pinned_until"' not in form  # a member cannot announce
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = client.post(
        "/feed/posts/new/", {"department": department.pk, "body": "Hello", "csrfmiddlewaretoken": token, "next": "/"}
    )
    assert response.status_code == 302 and Post.objects.filter(body="Hello").exists()
    _, theirs = composer(manager, "/?x=1")
    assert 'name="pinned_until"' in theirs and 'name="next" value="/?x=1"' in theirs
    assert re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', theirs).group(1) != token


def test_forgetting_a_post_by_its_id_alone_renews_its_departments_first_pages(
    client_as, department, member, django_capture_on_commit_callbacks
):
    from apps.feed import cards

    post = services.post_create(acting_user=member, department=department, body="Before")
    reader = client_as("member")
    assert b"Before" in reader.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        Post.objects.filter(pk=post.pk).update(body_html="<p>After</p>")  # as an erasure writes, without services
        cards.forget(post.pk)  # the department is read from the row
    page = reader.get("/").content
    assert b"After" in page and b"Before" not in page
