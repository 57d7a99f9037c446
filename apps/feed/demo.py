"""Demo feed for `seed_demo`: posts up to `--posts`, with comments, reactions and announcements, in bulk."""

import time
from collections import Counter
from datetime import timedelta

from django.core.management.base import CommandParser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.demo import DemoContext, demo_step
from apps.core.markdown import render_markdown
from apps.departments.models import Membership
from apps.departments.services import company_wide_department

from .models import REACTION_EMOJI, Comment, Post, Reaction

# Feed posts are one opening and one detail paragraph (each pair rendered to HTML once),
# comments one of a few short lines: realistic sizes without a markdown render per row.
POST_OPENINGS = [
    "Quick update from the team: the **quarterly numbers** are in and they look good.",
    "Reminder: the office kitchen gets a deep clean on *Friday*, please take your things home.",
    "We just shipped the new onboarding checklist. Thanks to everyone who tested it!",
    "Who is joining the charity run next month? We have **12 places** left.",
    "Lessons learned from last week's customer workshop, in three points:",
    "Welcome to our new colleagues who started this week.",
    "The supplier review is done; here is what changes for us.",
    "Heads-up: the VPN will be down for maintenance on Sunday morning.",
    "Great feedback from a customer today, worth sharing with everyone.",
    "Our team offsite is booked. Agenda and travel details below.",
    "New process for expense reports, starting on the first of the month.",
    "Thanks for a fantastic quarter, everyone. A few highlights:",
]
POST_DETAILS = [
    "- Revenue up 8 %\n- Churn down to 2.1 %\n- Two new key accounts",
    "Questions? Ask in the comments or drop by on Thursday afternoon.",
    "The full write-up is on the shared drive; the short version: *listen first, then propose*.",
    "1. Book your slot\n2. Bring your badge\n3. Enjoy the coffee",
    "Please read it before the next team meeting, it takes five minutes.",
    "Details: https://example.com/intranet/news (internal link).",
    "If this affects your work, tell your manager **this week** so we can plan.",
    "We will review how it went in a month and adjust. Feedback welcome!",
    "> Simple things, done well, every day.\n\nThat is the whole plan.",
    "Shout-out to the people who stayed late to make this happen. 🙌",
]
COMMENTS = [
    "Thanks for sharing!",
    "Great news 🎉",
    "Count me in.",
    "Can we discuss this at the next team meeting?",
    "Very helpful, **thank you**.",
    "Is there a recording for those who missed it?",
    "Agreed, let's do it.",
    "Where can I find the details?",
    "Well done, team!",
    "I have a question about the second point, I'll send you a message.",
]
ANNOUNCEMENT_EVERY = 50  # one post in 50 is an announcement by a manager
POST_SPACING = timedelta(minutes=10)  # 100,000 posts span about two years up to now
POST_BATCH = 2000


def _arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--posts", type=int, default=60,
        help="Feed posts in total (default 60): only the missing ones are created, in bulk.",
    )  # fmt: skip
    parser.add_argument(
        "--comments-per-post", type=float, default=2.0,
        help="Average comments on each new post, some of them replies (default 2).",
    )  # fmt: skip
    parser.add_argument(
        "--reactions-per-post", type=float, default=3.0,
        help="Average reactions on each new post, by different members (default 3).",
    )  # fmt: skip


@demo_step("feed.posts", after=["accounts.users", "departments.memberships"], arguments=_arguments, atomic=False)
def seed_posts(ctx: DemoContext) -> str:
    """Posts up to `--posts`, with comments and reactions, bulk-created in batches.

    Post number k always gets the same department, author, text, comments and reactions
    (one generator per post), so an interrupted or repeated run only adds the missing
    ones. Each batch is one transaction whose counters match the rows it created.
    """
    users, departments, total = ctx.users, ctx.departments, ctx.options["posts"]
    comments, reactions = ctx.options["comments_per_post"], ctx.options["reactions_per_post"]
    existing = Post.objects.count()
    if existing >= total:
        return f"{existing} posts"
    started = time.monotonic()
    company = company_wide_department()
    members: dict[int, list[int]] = {d.pk: [] for d in departments}
    managers: dict[int, list[int]] = {d.pk: [] for d in departments}
    user_ids = {u.pk for u in users}
    rows = Membership.objects.filter(department__in=departments, user__in=users)
    for user_id, department_id, role in rows.order_by("id").values_list("user_id", "department_id", "role"):
        members[department_id].append(user_id)
        if role == Membership.Role.MANAGER:
            managers[department_id].append(user_id)
    members[company.pk] = sorted(user_ids)  # everyone belongs to All staff
    managers[company.pk] = [users[0].pk]  # the admin speaks for the company
    spaces = [d for d in departments if members[d.pk]]
    confidential = {d.pk for d in departments if d.is_confidential_by_default}
    now = timezone.now()
    html: dict[str, str] = {}

    def rendered(body: str) -> str:
        if body not in html:
            html[body] = render_markdown(body)
        return html[body]

    created = Counter()
    for start in range(existing, total, POST_BATCH):
        posts, top, replies, likes = [], [], [], []
        for k in range(start, min(start + POST_BATCH, total)):
            rng = ctx.random(f"post-{k}")
            department = company if rng.random() < 0.1 or not spaces else rng.choice(spaces)
            people = members[department.pk]
            published = now - (total - 1 - k) * POST_SPACING - rng.random() * POST_SPACING
            body = f"{rng.choice(POST_OPENINGS)}\n\n{rng.choice(POST_DETAILS)}"
            post = Post(
                department=department, author_id=rng.choice(people), body=body, body_html=rendered(body),
                is_confidential=not department.is_company_wide
                and (department.pk in confidential or rng.random() < 0.05),
                publish_at=published, published_at=published,
            )  # fmt: skip
            if k % ANNOUNCEMENT_EVERY == 7 and managers[department.pk]:
                # Pinned for two weeks: the recent ones are still on top of the feed.
                post.kind = Post.Kind.ANNOUNCEMENT
                post.author_id = rng.choice(managers[department.pk])
                post.pinned_until = published + timedelta(days=14)
                if k % (2 * ANNOUNCEMENT_EVERY) == 7:
                    post.requires_ack, post.ack_due_at = True, published + timedelta(days=7)
            mine = []
            for _ in range(int(rng.random() * (2 * comments + 1))):
                text = rng.choice(COMMENTS)
                comment = Comment(post=post, author_id=rng.choice(people), body=text, body_html=rendered(text))
                if mine and rng.random() < 0.3:
                    comment.parent = rng.choice([c for c in mine if c.parent is None])
                    replies.append(comment)
                else:
                    top.append(comment)
                mine.append(comment)
            post.comment_count = len(mine)
            reactors = rng.sample(people, min(len(people), int(rng.random() * (2 * reactions + 1))))
            emoji = [rng.choice(list(REACTION_EMOJI)) for _ in reactors]
            likes += [Reaction(post=post, user_id=u, emoji=e) for u, e in zip(reactors, emoji, strict=True)]
            post.reaction_counts = dict(sorted(Counter(emoji).items()))
            posts.append(post)
        with transaction.atomic():
            Post.objects.bulk_create(posts, batch_size=1000)
            # created_at is auto_now_add: align it with the publication time afterwards.
            Post.objects.filter(pk__in=[p.pk for p in posts]).update(created_at=F("publish_at"))
            Comment.objects.bulk_create(top, batch_size=1000)
            Comment.objects.bulk_create(replies, batch_size=1000)
            Reaction.objects.bulk_create(likes, batch_size=1000)
        created.update(posts=len(posts), comments=len(top) + len(replies), reactions=len(likes))
    if created["posts"] >= 10_000:
        with connection.cursor() as cursor:  # fresh statistics, so the planner uses the feed indexes
            cursor.execute("ANALYZE")
    ctx.log(
        f"Created {created['posts']} posts, {created['comments']} comments and {created['reactions']} reactions "
        f"in {time.monotonic() - started:.1f} s."
    )
    return f"{existing + created['posts']} posts"
