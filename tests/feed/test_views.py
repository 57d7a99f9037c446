"""Feed pages: the flows people use and constant query counts (the permission matrix: test_permissions.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.feed import services
from apps.feed.models import Comment, Post, Reaction
from tests.factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def test_post_comment_react_and_acknowledge_through_the_pages(client_as, department, member, manager):
    client = client_as("manager")
    response = client.post(
        "/feed/posts/new/",
        {"department": department.pk, "body": "Office closed **Friday**", "kind": "announcement",
         "requires_ack": "on", "ack_due_at": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    assert response.status_code == 302
    announcement = Post.objects.get()
    mia = client_as("member")
    page = mia.get("/").content.decode()
    assert "Office closed <strong>Friday</strong>" in page and "Acknowledge: read and understood" in page
    mia.post(f"/feed/posts/{announcement.pk}/comments/", {"body": "Noted, thanks"})
    mia.post(f"/feed/posts/{announcement.pk}/react/", {"emoji": "thumbs_up"})
    mia.post(f"/feed/posts/{announcement.pk}/acknowledge/")
    again = mia.post(f"/feed/posts/{announcement.pk}/acknowledge/", follow=True)
    assert "already acknowledged" in again.content.decode()
    assert Comment.objects.get().body == "Noted, thanks" and Reaction.objects.get().emoji == "thumbs_up"
    dashboard = client.get("/feed/d/sales/announcements/").content.decode()
    assert "1 of 1" in dashboard and "Everyone has acknowledged." in dashboard


def test_bad_input_on_the_composer_is_explained_and_saves_nothing(client_as, department, member, other_department):
    client = client_as("member")
    empty = client.post("/feed/posts/new/", {"department": department.pk, "body": "   "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    foreign = client.post("/feed/posts/new/", {"department": other_department.pk, "body": "Hi"})
    assert foreign.status_code == 400 and "Select a valid choice" in foreign.content.decode()
    not_manager = client.post("/feed/posts/new/", {"department": department.pk, "body": "Hi", "kind": "announcement"})
    assert not_manager.status_code == 400
    assert "Only the department&#x27;s managers can post announcements." in not_manager.content.decode()
    bad_emoji = client.post("/feed/posts/1/react/", {"emoji": "skull"}, HTTP_ACCEPT="application/json")
    assert bad_emoji.status_code in {400, 404}
    assert not Post.objects.exists()


def _fill(department, count: int) -> None:
    authors = [UserFactory() for _ in range(3)]
    for author in authors:
        add_member(department, author)
    from .conftest import jpeg

    for i in range(count):
        post = services.post_create(
            acting_user=authors[i % 3], department=department, body=f"Post {i} @member",
            images=[jpeg()] if i % 10 == 0 else [],
        )  # fmt: skip
        services.comment_create(post=post, acting_user=authors[(i + 1) % 3], body="Nice")
        services.reaction_toggle(post=post, acting_user=authors[(i + 2) % 3], emoji="heart")


@pytest.mark.parametrize(("posts", "page_size"), [(5, 20), (45, 20)])
def test_the_home_feed_uses_a_constant_number_of_queries(
    client_as, department, member, manager, posts, page_size, django_assert_num_queries, django_assert_max_num_queries
):
    services.post_create(
        acting_user=manager, department=department, kind="announcement", body="Pinned", requires_ack=True
    )
    _fill(department, posts)
    client = client_as("member")
    # Nothing cached yet: session, user+profile, the departments read (the audience, the composer's
    # choices and the side list), pinned, posts page, one pass per relation for the cards to render
    # (department, author, profile, shared post, images, attachments, latest comments), my reactions
    # and acknowledgements (one query), both header badges (one query).
    with django_assert_max_num_queries(15):
        response = client.get("/")
    assert response.status_code == 200
    # The first page cached for the audience, and the session and the user from the cache: no query
    # for the posts or their details, whatever their number: the departments read, my reactions and
    # acknowledgements, the badges.
    with django_assert_num_queries(3):
        again = client.get("/")
    assert again.content.count(b"data-post=") == response.content.count(b"data-post=") > 1
    cursor = response.context["page"].next_cursor
    if cursor:
        with django_assert_max_num_queries(11):  # a later page: no pinned section, no composer
            client.get("/", {"cursor": cursor, "fragment": "1"})
        with django_assert_num_queries(2):
            client.get("/", {"cursor": cursor, "fragment": "1"})


def test_the_feed_paginates_with_a_cursor_newest_first_and_pinned_on_top(client_as, department, member, manager):
    _fill(department, 25)
    services.post_create(acting_user=manager, department=department, kind="announcement", body="Pinned news")
    client = client_as("member")
    first = client.get("/")
    assert [p.body for p in first.context["pinned"]] == ["Pinned news"]
    page = first.context["page"]
    assert [p.body for p in page.items][:2] == ["Post 24 @member", "Post 23 @member"]
    second = client.get("/", {"cursor": page.next_cursor, "fragment": "1"})
    bodies = [p.body for p in second.context["page"].items]
    assert bodies[0] == "Post 14 @member" and len(bodies) == 10
    assert "Pinned news" not in second.content.decode()


def test_a_confidential_post_shows_a_banner_and_offers_no_sharing(client_as, department, member):
    post = services.post_create(acting_user=member, department=department, body="Secret", is_confidential=True)
    html = client_as("member").get(f"/feed/posts/{post.pk}/").content.decode()
    assert "confidential-banner" in html and "Share to All staff" not in html


def test_the_content_calendar_shows_planned_and_past_posts(client_as, department, manager):
    upcoming = timezone.now() + timedelta(days=1)
    services.post_create(acting_user=manager, department=department, body="Planned webinar", publish_at=upcoming)
    services.post_create(acting_user=manager, department=department, body="Yesterday's news")
    response = client_as("manager").get("/feed/d/sales/calendar/", {"month": upcoming.strftime("%Y-%m")}, follow=True)
    assert (
        response.redirect_chain[0][0] == f"/plans/d/sales/content/?month={upcoming:%Y-%m}"
    )  # one calendar: the plan's
    html = response.content.decode()
    assert "Planned webinar" in html and "cal-scheduled" in html


def test_a_members_mistake_shows_the_same_feed_with_her_text_and_keeps_the_way_back(client_as, department, member):
    client = client_as("member")
    page = client.post(
        "/feed/posts/new/", {"department": department.pk, "body": "   ", "next": "/feed/d/sales/?sort=new"}
    ).content.decode()
    assert "<h1>Sales</h1>" in page and "This field is required." in page
    assert 'name="next" value="/feed/d/sales/?sort=new"' in page  # not /feed/posts/new/
    assert 'name="kind"' in page and "Acknowledge by" not in page  # never shown the manager's fields
    again = client.post(
        "/feed/posts/new/", {"department": department.pk, "body": "Hi", "next": "/feed/d/sales/?sort=new"}
    )
    assert again.status_code == 302 and again["Location"] == "/feed/d/sales/?sort=new"
    forged = client.post("/feed/posts/new/", {"department": department.pk, "body": "Hi", "kind": "announcement"})
    assert forged.status_code == 400 and "Only the department&#x27;s managers" in forged.content.decode()
    assert Post.objects.count() == 1


def test_the_acknowledgement_dashboard_shows_who_and_when_and_titles_as_text(client_as, department, manager, member):
    announcement = services.post_create(
        acting_user=manager, department=department, kind="announcement", body="**Office** closed <i>Friday</i>",
        requires_ack=True, ack_due_at=timezone.now() + timedelta(days=2),
    )  # fmt: skip
    from apps.feed import announcements

    announcements.acknowledge(acting_user=member, post=announcement)
    page = client_as("manager").get("/feed/d/sales/announcements/").content.decode()
    assert ">Office closed Friday</a></h2>" in page  # words, not markdown or tags
    assert "Acknowledged (1)" in page and 'Mia Member</a> <span class="muted"><time' in page
    own = client_as("manager").get(f"/feed/posts/{announcement.pk}/").content.decode()
    assert "Acknowledge: read and understood" not in own  # the author is not asked
    assert "You acknowledged this" in client_as("member").get("/feed/d/sales/").content.decode()


def test_a_date_picked_is_read_in_the_persons_time_zone(client_as, department, manager):
    from apps.people.services import profile_set_time_zone

    profile_set_time_zone(acting_user=manager, time_zone="Asia/Tokyo")
    response = client_as("manager").post(
        "/feed/posts/new/",
        {"department": department.pk, "body": "Read me", "kind": "announcement", "requires_ack": "on",
         "ack_due_at": "2030-01-01T09:00", "next": "/feed/d/sales/"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Post.objects.get().ack_due_at.isoformat() == "2030-01-01T00:00:00+00:00"  # 09:00 in Tokyo
