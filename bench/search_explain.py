#!/usr/bin/env python3
"""The search queries' plans at benchmark scale: runs the service as a seeded person and EXPLAINs what it sent.

python bench/search_explain.py --q customer --q zyxquorum --q '"customer meeting"' > plans.txt
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.search import services  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--q", action="append", required=True)
    parser.add_argument("--email", default="person00007@example.com")
    args = parser.parse_args()
    user = User.objects.get(email=args.email)
    for q in args.q:
        services.search(acting_user=user, q=q)  # warm
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            results = services.search(acting_user=user, q=q)
        took = (time.perf_counter() - started) * 1000
        print(f"## {q!r}: {len(results.hits)} hits, counts {results.counts} (capped {results.capped}), {took:.0f} ms")
        for query in captured.captured_queries:
            print(f"-- {query['time']} s")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
        print()


if __name__ == "__main__":
    main()
