#!/usr/bin/env python3
"""Log benchmark users in without the login form: one database session each, cookies to a file.

Run with the same settings (environment) as the server under test:

    python bench/make_sessions.py --users 50 --out bench/results/cookies.txt
    python bench/make_sessions.py --delete bench/results/cookies.txt   # log them out again

It picks seeded people (person*@example.com), half of them members of two or more
departments and half of one, so the home feed merges several feeds as it would in real
life. The choice is deterministic (ordered by id).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db.models import Count  # noqa: E402

from apps.accounts.models import User  # noqa: E402

BACKEND = "apps.accounts.backends.ProfileModelBackend"


def pick_users(count: int) -> list[User]:
    people = User.objects.filter(email__startswith="person", is_active=True).annotate(n=Count("memberships"))
    several = list(people.filter(n__gte=2).order_by("id")[: count // 2])
    one = list(people.filter(n=1).order_by("id")[: count - len(several)])
    return several + one


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--out", help="write one 'sessionid=...' Cookie value per line")
    parser.add_argument("--delete", help="delete the sessions listed in this cookie file")
    args = parser.parse_args()
    name = settings.SESSION_COOKIE_NAME
    if args.delete:
        keys = [line.strip().split("=", 1)[1] for line in Path(args.delete).read_text().splitlines() if "=" in line]
        SessionStore().model.objects.filter(session_key__in=keys).delete()
        print(f"Deleted {len(keys)} benchmark sessions.")
        return 0
    users = pick_users(args.users)
    if len(users) < args.users:
        print(f"Only {len(users)} seeded people found; seed first (seed_demo --users ...).", file=sys.stderr)
        return 1
    lines = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        lines.append(f"{name}={session.session_key}")
    Path(args.out).write_text("\n".join(lines) + "\n")
    several = sum(1 for u in users if u.n >= 2)
    print(f"{len(lines)} sessions ({several} people in 2+ departments) written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
