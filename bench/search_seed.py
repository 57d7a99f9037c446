#!/usr/bin/env python3
"""Chat history at company scale for the search benchmark: N messages over the department rooms, by COPY.

Run after `seed_demo` with the benchmark's sizes (users, departments, posts, comments), with
the same settings (environment) as the server:

    python bench/search_seed.py --messages 1000000

Idempotent: only the missing messages are added. Words come from a fixed vocabulary with a
Zipf-like spread (a few very common words, a long tail of rare ones), plus one marker word
("zyxquorum") in exactly 25 messages, so the benchmark has common, rare and phrase queries
with known frequencies. The documents are not written here: `manage.py search_index`
builds them afterwards (and is timed).
"""

import argparse
import io
import itertools
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.chat.models import Message, Room  # noqa: E402
from apps.departments.models import Membership  # noqa: E402

COMMON = [
    "customer",
    "meeting",
    "team",
    "update",
    "project",
    "report",
    "today",
    "deadline",
    "review",
    "price",
    "order",
    "invoice",
    "renewal",
    "contract",
    "support",
    "ticket",
    "call",
    "email",
    "client",
    "budget",
    "plan",
    "launch",
    "release",
    "schedule",
    "office",
    "travel",
]
RARE_MARKER = "zyxquorum"


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return COMMON + ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    missing = args.messages - Message.objects.count()
    if missing <= 0:
        print(f"{Message.objects.count()} messages already")
        return
    rng = random.Random(args.seed)
    words = vocabulary(rng)
    # Ranks start at 50: the most frequent words of real text are stop words, which the index drops,
    # so the commonest searchable word is in a few percent of the messages (here ~4 %).
    weights = [1.0 / (rank + 50) ** 1.05 for rank in range(len(words))]
    cumulative = list(itertools.accumulate(weights))
    rooms = list(Room.objects.filter(kind=Room.Kind.DEPARTMENT).values_list("pk", "department_id"))
    authors_by_department: dict[int, list[int]] = {}
    for user_id, department_id in Membership.objects.values_list("user_id", "department_id"):
        authors_by_department.setdefault(department_id, []).append(user_id)
    everyone = list(Membership.objects.values_list("user_id", flat=True).distinct())
    start = timezone.now() - timezone.timedelta(days=365)
    marked = set(rng.sample(range(missing), min(25, missing)))
    began = time.monotonic()
    columns = "room_id, author_id, body, html, mentioned_ids, created_at, revision, reactions, reply_count"
    batch = 50_000
    with connection.cursor() as cursor:
        for offset in range(0, missing, batch):
            buffer = io.StringIO()
            for n in range(offset, min(missing, offset + batch)):
                room_id, department_id = rng.choice(rooms)
                author = rng.choice(authors_by_department.get(department_id) or everyone)
                body = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(4, 18)))
                if n in marked:
                    body += " " + RARE_MARKER
                at = start + timezone.timedelta(seconds=n * 365 * 86400 // missing)
                buffer.write(f"{room_id}\t{author}\t{body}\t<p>{body}</p>\t[]\t{at.isoformat()}\t{n}\t{{}}\t0\n")
            buffer.seek(0)
            with cursor.cursor.copy(f"COPY chat_message ({columns}) FROM STDIN") as copy:
                copy.write(buffer.read())
            print(f"{offset + batch} messages, {time.monotonic() - began:.0f} s", flush=True)
    print(f"added {missing} messages in {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
