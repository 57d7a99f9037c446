#!/usr/bin/env python3
"""Where the time of one request to the API list and the other pages goes, in-process (no server).

For a seeded person (a member of two or more departments) and each page of
bench/pages_targets.py (or those named with --targets), through Django's test client
(middleware included): the median CPU and wall time of --repeat requests, the queries of one, and,
with --profile, cProfile's top functions by cumulative and by own CPU time over those requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/intranet_speed python bench/pages_profile.py \
        --targets ping,api,department --profile
    ... bench/pages_profile.py --targets ping --path 'common=/api/v1/search/?q=customer|"results"'
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
os.environ["ALLOWED_HOSTS"] = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost") + ",testserver"

import django

django.setup()

import pages_targets  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--targets", default="ping,api,department,people,chat,ideas")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--path", action="append", default=[], metavar="NAME=PATH|MARKER", help="another page, e.g. a search"
    )
    args = parser.parse_args()
    extra = {name: tuple(rest.split("|", 1)) for name, rest in (spec.split("=", 1) for spec in args.path)}
    wanted = [name for name in args.targets.split(",") if name] + list(extra)
    user = pages_targets.reader()
    client = Client()
    client.force_login(user)
    paths = {name: (path, marker) for name, path, marker in pages_targets.TARGETS} | extra
    for name in wanted:
        path, marker = paths[name]
        response = client.get(path)  # warm: templates, URL resolvers, caches
        assert response.status_code == 200 and marker in response.content.decode(), (name, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        query_count = len(queries)  # now: the next request resets the connection's log
        times, cpu = [], []
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            client.get(path)
            if profiler:
                profiler.disable()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(
            f"## {name} {path}: median of {args.repeat}: {statistics.median(cpu) * 1000:.1f} ms CPU, "
            f"{statistics.median(times) * 1000:.1f} ms wall, {query_count} queries, {len(response.content)} bytes"
        )
        if profiler:
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-12000:])
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
