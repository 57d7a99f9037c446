import pytest
from django.core.management import call_command
from django.db.models import F

from apps.accounts.models import User
from apps.departments.models import Department, Membership
from apps.people.models import Profile
from tests.factories import logs_in

pytestmark = pytest.mark.django_db


def _counts():
    return (User.objects.count(), Department.objects.count(), Membership.objects.count(), Profile.objects.count())


def test_seed_demo_is_idempotent_and_the_demo_login_works(settings, capsys):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--users", "25", "--departments", "4")
    first = _counts()
    output = capsys.readouterr().out
    assert "Demo login: admin@example.com" in output
    call_command("seed_demo", "--users", "25", "--departments", "4")
    assert _counts() == first == (25, 5, first[2], 25)
    assert Profile.objects.exclude(photo="").count() == 25
    assert Profile.objects.exclude(bio_html="").count() == 25
    assert Membership.objects.filter(user__email="alice@example.com", department__slug="sales", role="manager").exists()
    assert Membership.objects.filter(user__email="bob@example.com", department__slug="sales", role="member").exists()
    assert logs_in("alice@example.com", "intranet-demo-2026")


def test_seed_demo_if_empty_leaves_an_existing_database_alone(capsys, member):
    call_command("seed_demo", "--if-empty")
    assert User.objects.count() == 1
    assert "not loaded again" in capsys.readouterr().out


def _feed_snapshot():
    from apps.feed.models import Comment, Post, Reaction

    posts = list(Post.objects.order_by("id").values_list("department_id", "author_id", "kind", "body", "comment_count"))
    return posts, Comment.objects.count(), Reaction.objects.count()


def test_seed_demo_posts_are_idempotent_consistent_and_written_by_members(settings):
    from collections import Counter

    from django.db.models import Count

    from apps.feed.models import Comment, Post, Reaction

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    args = ["--users", "15", "--departments", "3", "--no-photos", "--comments-per-post", "2"]
    call_command("seed_demo", *args, "--posts", "120")
    first = _feed_snapshot()
    assert len(first[0]) == 120 and first[1] > 0 and first[2] > 0
    call_command("seed_demo", *args, "--posts", "120")
    assert _feed_snapshot() == first  # nothing added or changed

    call_command("seed_demo", *args, "--posts", "130")  # only the missing ones are added
    grown = _feed_snapshot()
    assert len(grown[0]) == 130 and grown[0][:120] == first[0]

    # Counters match the rows; comments and reactions come from members of the post's department.
    comments = dict(Post.objects.annotate(n=Count("comments")).values_list("id", "n"))
    members = set(Membership.objects.values_list("department_id", "user_id"))
    for post in Post.objects.select_related("department"):
        assert post.comment_count == comments[post.pk]
        assert post.reaction_counts == dict(Counter(post.reactions.values_list("emoji", flat=True)))
        assert post.published_at is not None and post.body_html.startswith("<p>")
        if not post.department.is_company_wide:
            assert (post.department_id, post.author_id) in members
            assert all((post.department_id, c) in members for c in post.comments.values_list("author_id", flat=True))
            assert all((post.department_id, u) in members for u in post.reactions.values_list("user_id", flat=True))
        else:
            assert not post.is_confidential
        if post.is_announcement:
            role = Membership.objects.filter(user=post.author, department=post.department).values_list(
                "role", flat=True
            )
            assert post.author.is_staff or list(role) == ["manager"]
    assert Comment.objects.filter(parent__isnull=False).exclude(parent__post=F("post")).count() == 0
    assert Post.objects.filter(kind="announcement").exists()
    assert Reaction.objects.count() == sum(sum(p.reaction_counts.values()) for p in Post.objects.all())
