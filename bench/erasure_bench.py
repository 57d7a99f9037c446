#!/usr/bin/env python3
"""Erasure in remove mode (issue 16.7): how long it takes, and in how many queries, for a person
with many messages, against baselines in the same run.

Each round makes three people in one department (their rows bulk-created and indexed for search):

- "many": BENCH_MESSAGES chat messages (default 5,000), a tenth as many posts and comments;
- "few": 50 messages, 5 posts, 5 comments (the fixed cost of an erasure);
- "row by row": BENCH_ROW_MESSAGES messages (default 500) deleted one by one with chat's own
  `message_delete`, the per-row path erasure does not take (its time per message, for scale).

and erases the first two with `person_erase` (ERASURE_CONTENT=remove), timing the whole call
including what runs on commit (live events, cached cards, file deletion). Median of BENCH_RUNS.

    DATABASE_URL=postgres://.../intranet_bench REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/erasure_bench.py

Writes to that database (a migrated, throwaway one); nothing leaves 127.0.0.1.
"""

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "5000"))
ROW_MESSAGES = int(os.environ.get("BENCH_ROW_MESSAGES", "500"))


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.services import user_create
    from apps.chat.models import Message, Room
    from apps.chat.services import ensure_department_rooms, message_delete
    from apps.departments.services import department_create, membership_set
    from apps.feed.models import Comment, Post
    from apps.privacy.services import person_erase
    from apps.search.index import update_index

    settings.ERASURE_CONTENT = "remove"
    tag = uuid.uuid4().hex[:8]
    admin = user_create(acting_user=None, email=f"admin-{tag}@example.com", display_name="Bench Admin")
    admin.is_staff = True
    admin.save()
    department = department_create(acting_user=None, name=f"Bench {tag}")
    ensure_department_rooms()
    room = Room.objects.get(department=department)
    colleague = user_create(acting_user=None, email=f"colleague-{tag}@example.com", display_name="Colleague")
    membership_set(acting_user=None, department=department, user=colleague)
    from django.utils import timezone

    now = timezone.now()
    live = {"publish_at": now, "published_at": now}
    theirs = Post.objects.create(department=department, author=colleague, body="theirs", body_html="<p>x</p>", **live)

    def person(name: str, messages: int, posts: int):
        user = user_create(acting_user=None, email=f"{name}-{uuid.uuid4().hex[:8]}@example.com", display_name=name)
        membership_set(acting_user=None, department=department, user=user)
        rows = Message.objects.bulk_create(
            [Message(room=room, author=user, body=f"message {i}", html=f"<p>message {i}</p>", revision=0)
             for i in range(messages)]
        )  # fmt: skip
        own = Post.objects.bulk_create(
            [Post(department=department, author=user, body=f"post {i}", body_html="", **live) for i in range(posts)]
        )
        comments = Comment.objects.bulk_create(
            [Comment(post=theirs, author=user, body=f"comment {i}", body_html="<p>c</p>") for i in range(posts)]
        )
        Post.objects.filter(pk=theirs.pk).update(comment_count=Comment.objects.filter(post=theirs).count())
        update_index(Message, [m.pk for m in rows])
        update_index(Post, [p.pk for p in own], follow=False)
        update_index(Comment, [c.pk for c in comments])
        return user, [m.pk for m in rows]

    def erase(user) -> tuple[float, int]:
        reset_queries()  # the log keeps 9,000 queries: counts must start from an empty one
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            person_erase(acting_user=admin, user=user)
            elapsed = time.perf_counter() - started
        return elapsed, len(queries)

    results: dict[str, list[tuple[float, int]]] = {"many": [], "few": [], "row": []}
    for round_ in range(RUNS):
        many, _ = person("many", MESSAGES, MESSAGES // 10)
        few, _ = person("few", 50, 5)
        row, row_ids = person("row", ROW_MESSAGES, 0)
        results["many"].append(erase(many))
        results["few"].append(erase(few))
        reset_queries()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            for message_id in row_ids:
                message_delete(acting_user=row, message_id=message_id)
        results["row"].append((time.perf_counter() - started, len(queries)))
        print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1][0]:.2f} s / {v[-1][1]} queries" for k, v in
                                                   results.items()), flush=True)  # fmt: skip

    def median(kind: str) -> tuple[float, int]:
        return statistics.median(t for t, _ in results[kind]), int(statistics.median(q for _, q in results[kind]))

    many_s, many_q = median("many")
    few_s, few_q = median("few")
    row_s, row_q = median("row")
    print(f"\nload average {os.getloadavg()[0]:.1f}, median of {RUNS}")
    tenth = MESSAGES // 10
    print(f"erase {MESSAGES} messages + {tenth} posts + {tenth} comments: {many_s:.2f} s, {many_q} queries")
    print(f"erase 50 messages + 5 posts + 5 comments: {few_s:.2f} s, {few_q} queries")
    each = row_s / ROW_MESSAGES
    print(f"message_delete one by one, {ROW_MESSAGES} messages: {row_s:.2f} s, {row_q} queries")
    print(f"that is {each * 1000:.1f} ms a message")
    print(f"at that rate {MESSAGES} messages would take {each * MESSAGES:.0f} s")


if __name__ == "__main__":
    main()
