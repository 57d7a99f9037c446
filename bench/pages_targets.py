#!/usr/bin/env python3
"""Print the load client's --target/--expect arguments for bench/pages_bench.sh, one per line.

Every page is one that each benchmark session can read (the company-wide department, its
chat room and idea board), so the sessions can rotate per request and every answer must
be a 200 with the page's marker. Run with the server's settings (environment).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")

import django

django.setup()

from django.db.models import Count  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.chat.models import Room  # noqa: E402
from apps.departments.models import Department  # noqa: E402

company = Department.objects.filter(is_company_wide=True).order_by("id").first()
if company is None:
    raise SystemExit("no company-wide department: seed the database first")
room = Room.objects.filter(department=company).order_by("id").first()
if room is None:
    raise SystemExit(f"no chat room for {company.slug}")


def reader() -> User:
    """The seeded person the in-process benchmarks act as: the first in two or more departments."""
    return (
        User.objects.filter(email__startswith="person", is_active=True)
        .annotate(n=Count("memberships"))
        .filter(n__gte=2)
        .order_by("id")
        .first()
    )


# name, path, a marker every good answer contains
TARGETS = [
    ("hello", "/bench/hello", "hello"),
    ("ping", "/ping", "pong"),
    ("feed", "/", "data-post="),
    ("api", "/api/v1/posts/", '"results"'),
    ("department", f"/departments/{company.slug}/", 'aria-labelledby="people"'),
    ("people", "/people/", "people-grid"),
    ("chat", f"/chat/{room.id}/", f'data-room-id="{room.id}"'),
    ("ideas", f"/ideas/{company.slug}/", "data-board="),
]
if __name__ == "__main__":
    for name, path, marker in TARGETS:
        print(f"--target={name}={path}")
        print(f"--expect={name}={marker}")
