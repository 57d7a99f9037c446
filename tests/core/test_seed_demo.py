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


def _everything():
    """Every row the demo steps write, so that a second run can be shown to change none."""
    from apps.chat.models import Message, Room
    from apps.feed.models import Comment, Post, Reaction
    from apps.voting.models import Idea, IdeaVote, Poll, PollBallot

    profiles = Profile.objects.order_by("user_id").values_list(
        "user_id", "display_name", "job_title", "bio_html", "manager_id", "photo", "photo_thumbnail"
    )
    memberships = Membership.objects.order_by("id").values_list("user_id", "department_id", "role")
    counts = [m.objects.count() for m in (Post, Comment, Reaction, Idea, IdeaVote, Poll, PollBallot, Room, Message)]
    return list(profiles), list(memberships), list(Department.objects.values_list("slug", "name")), counts


def test_seed_demo_is_idempotent_and_the_demo_login_works(settings, capsys):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--users", "25", "--departments", "4")
    first, everything = _counts(), _everything()
    output = capsys.readouterr().out
    assert "Demo login: admin@example.com" in output
    assert "Demo data ready: 25 people, 4 departments (+ All staff), 60 posts" in output
    call_command("seed_demo", "--users", "25", "--departments", "4")
    assert _counts() == first == (25, 5, first[2], 25)
    assert _everything() == everything
    assert "0 new chat messages" in capsys.readouterr().out
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
    from apps.videos.models import Video

    call_command("seed_demo", *args, "--posts", "120")
    first = _feed_snapshot()
    # `--posts` is the feed's total when its step runs; the videos step (after it) then announces
    # its first demo video in the feed, one post more.
    announced = Video.objects.exclude(announced_post=None).count()
    assert announced == 1
    assert len(first[0]) == 120 + announced and first[1] > 0 and first[2] > 0
    call_command("seed_demo", *args, "--posts", "120")
    assert _feed_snapshot() == first  # nothing added or changed

    call_command("seed_demo", *args, "--posts", "130")  # only the missing ones are added
    grown = _feed_snapshot()
    assert len(grown[0]) == 130 and grown[0][: len(first[0])] == first[0]

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


def test_seed_demo_runs_every_declared_step_once_in_dependency_order(capsys):
    from apps.core.demo import discover_demo_steps

    call_command("seed_demo", "--users", "8", "--departments", "2", "--no-photos", "--posts", "5", verbosity=2)
    timed = [line.strip().split(":")[0] for line in capsys.readouterr().out.splitlines() if line.endswith(" s")]
    assert timed == [step.name for step in discover_demo_steps().steps()]
    assert timed.index("accounts.users") < timed.index("departments.memberships") < timed.index("feed.posts")


def test_seed_demo_gives_300_people_distinct_names_even_beside_someone_who_has_one(capsys):
    from apps.people.demo import demo_names
    from tests.factories import UserFactory

    first_planned = next(demo_names(42))  # what person00003 would be called
    UserFactory(email="carol@example.com", display_name=first_planned)
    call_command("seed_demo", "--users", "300", "--departments", "5", "--no-photos", "--posts", "0")
    names = list(Profile.objects.values_list("display_name", flat=True))
    assert len(names) == 301 and len(set(names)) == 301
    assert Profile.objects.get(user__email="person00003@example.com").display_name != first_planned
    assert Profile.objects.get(user__email="alice@example.com").display_name == "Alice Martin"


def test_seed_demo_if_empty_loads_an_empty_database_and_prints_the_logins(capsys):
    call_command("seed_demo", "--if-empty", "--users", "5", "--departments", "1", "--no-photos", "--posts", "3")
    output = capsys.readouterr().out
    assert User.objects.count() == 5 and Profile.objects.count() == 5
    assert "Demo login: admin@example.com (admin), alice@example.com (manager of Sales), " in output
    assert "bob@example.com (member of Sales); password: intranet-demo-2026" in output


def test_seed_demo_refuses_sizes_too_small_for_the_demo_logins():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least --users 3"):
        call_command("seed_demo", "--users", "2")
    assert not User.objects.exists()
