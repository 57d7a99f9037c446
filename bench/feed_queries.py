#!/usr/bin/env python3
"""Queries per feed page, their times, and the PostgreSQL plans of the feed's post queries.

Runs in-process (Django's test client, no server) against the database in the
environment, as a few seeded people: the query count of `/`, `/api/v1/posts/` and their
second pages, the slowest queries, and EXPLAIN (ANALYZE, BUFFERS) of the queries that
read feed_post, so one can check that the feed uses an index rather than scanning all posts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/intranet_bench \\
        python bench/feed_queries.py --out bench/results/feed_queries.md
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
# The test client's host name, added to whatever the server would allow.
os.environ["ALLOWED_HOSTS"] = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost") + ",testserver"

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.accounts.models import User  # noqa: E402


def people() -> list[tuple[str, User]]:
    base = User.objects.filter(email__startswith="person", is_active=True).annotate(n=Count("memberships"))
    chosen = []
    for label, qs in (("member of 1 department", base.filter(n=1)), ("member of 2+", base.filter(n__gte=2))):
        user = qs.order_by("id").first()
        if user:
            chosen.append((f"{label} ({user.email})", user))
    return chosen


def fetch(client: Client, path: str) -> tuple[int, list[dict], float, object]:
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}")
    return len(ctx.captured_queries), ctx.captured_queries, elapsed, response


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="also write the report (markdown) to this file")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    lines = [f"Database: {connection.vendor}, {User.objects.count()} users", ""]
    plans = []
    for label, user in people():
        client = Client()
        client.force_login(user)
        lines.append(f"### {label}")
        lines.append("")
        lines.append("| page | queries | in-process time ms | slowest query ms |")
        lines.append("|---|---:|---:|---:|")
        pages = ["/", "/api/v1/posts/"]
        by_page = {}
        for path in pages:
            n, queries, elapsed, response = fetch(client, path)
            by_page[path] = queries
            slowest = max(float(q["time"]) for q in queries) * 1000
            lines.append(f"| `{path}` | {n} | {elapsed * 1000:.0f} | {slowest:.0f} |")
            # The second page, through the cursor the first page handed out.
            if path == "/":
                match = re.search(rb'href="\?cursor=([^"]+)"', response.content)
                more = f"/?cursor={match.group(1).decode()}&fragment=1" if match else None
            else:
                more = response.json().get("next")
                more = more.split("testserver", 1)[-1] if more else None
            if more:
                n2, queries2, elapsed2, _ = fetch(client, more)
                slowest2 = max(float(q["time"]) for q in queries2) * 1000
                lines.append(f"| `{path}` page 2 | {n2} | {elapsed2 * 1000:.0f} | {slowest2:.0f} |")
            if connection.vendor == "postgresql" and not args.no_explain:
                for q in queries:
                    sql = q["sql"]
                    if re.search(r'FROM "feed_post"', sql) and "ORDER BY" in sql and "LIMIT" in sql:
                        plans.append((f"{label} `{path}`", sql, explain(sql)))
        lines.append("")
        for path, queries in by_page.items():
            lines.append(f"Slowest queries of `{path}`:")
            lines.append("")
            for q in sorted(queries, key=lambda q: -float(q["time"]))[:3]:
                lines.append(f"- {float(q['time']) * 1000:.1f} ms: `{q['sql'][:160]}…`")
            lines.append("")
    for title, sql, plan in plans:
        lines += [f"#### Plan: {title}", "", "```sql", sql, "```", "", "```", plan, "```", ""]
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
