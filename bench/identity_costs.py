#!/usr/bin/env python3
"""CPU per trivial logged-in request (/ping), in-process, by where the session and the user come from.

The bare async hello view (the baseline, BENCH_HELLO) and three variants of /ping, interleaved
round after round (a noisy moment hurts them all alike), each ROUNDS x REQUESTS requests
through the project's ASGI application with one session:

- `database`: IDENTITY_CACHE_SECONDS=0, the session and the user are two queries;
- `cache, Django's client`: from Redis, with Django's RedisCache (a new redis-py client per operation);
- `cache, reused client`: from Redis, with apps.core.cache.RedisCache (the project's setting).

The figure is this process's CPU time (user + system, every thread) per request, median of
the rounds: steadier on a shared box than wall time. Run with the server's settings
(DATABASE_URL, REDIS_URL, DEBUG=0), e.g. on the seeded benchmark database:

    DATABASE_URL=postgres://.../intranet_speed REDIS_URL=redis://127.0.0.1:6379/9 DEBUG=0 HTTPS=0 \\
        SECRET_KEY=... .venv/bin/python bench/identity_costs.py
"""

import asyncio
import copy
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
os.environ["BENCH_HELLO"] = "1"  # the bare async hello-world view, measured the same way as the baseline

import django

django.setup()

import page_costs  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import override_settings  # noqa: E402

from apps.accounts.models import User  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
REQUESTS = int(os.environ.get("REQUESTS", "200"))


def cpu_ms_per_request(app, cookie: str, path: str = "/ping") -> float:
    async def go() -> float:
        for _ in range(10):  # warm: the cache copies, the connections
            await page_costs.asgi_get(app, path, cookie)
        start = time.process_time()
        for _ in range(REQUESTS):
            assert await page_costs.asgi_get(app, path, cookie) == 200
        return (time.process_time() - start) * 1000 / REQUESTS

    return asyncio.run(go())


def main() -> None:
    if not settings.REDIS_URL:
        sys.exit("needs REDIS_URL")
    from intranet.asgi import application

    django_cache = copy.deepcopy(settings.CACHES)
    django_cache["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
    variants = {
        "database": {"IDENTITY_CACHE_SECONDS": 0},
        "cache, Django's client": {"IDENTITY_CACHE_SECONDS": 300, "CACHES": django_cache},
        "cache, reused client": {"IDENTITY_CACHE_SECONDS": 300},
    }
    user = User.objects.filter(is_active=True, profile__isnull=False).order_by("id").first()
    key = page_costs.login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
    samples: dict[str, list[float]] = {"hello (no middleware, baseline)": [], **{name: [] for name in variants}}
    try:
        for _ in range(ROUNDS):
            samples["hello (no middleware, baseline)"].append(cpu_ms_per_request(application, "", "/bench/hello"))
            for name, overrides in variants.items():
                with override_settings(**overrides):
                    samples[name].append(cpu_ms_per_request(application, cookie))
    finally:
        page_costs.SessionStore(session_key=key).delete()
    print(f"load average {os.getloadavg()[0]:.1f}; {ROUNDS} rounds of {REQUESTS} requests\n")
    hello = statistics.median(samples["hello (no middleware, baseline)"])
    print("| /ping, identity from | CPU ms per request (median) | hello ÷ this | rounds |\n|---|---:|---:|---|")
    for name, values in samples.items():
        ms = statistics.median(values)
        print(f"| {name} | {ms:.2f} | {hello / ms:.2f} | {', '.join(f'{v:.2f}' for v in values)} |")


if __name__ == "__main__":
    main()
