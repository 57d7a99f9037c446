#!/usr/bin/env python3
"""In-process costs behind bench/pages_bench.sh, printed as markdown (no server, no sockets).

1. Queries per page (test client, one member of two departments).
2. Thread hops per request: calls of asgiref's SyncToAsync during one ASGI request to /ping
   through the project's real ASGI application (each is a hand-off to a worker thread and
   back, ~0.2-0.3 ms on this machine).
3. What each middleware costs: /ping through the project's ASGI handler with the first k
   middlewares of settings.MIDDLEWARE, for k = 0..n; a middleware's cost is the increase
   over the chain without it (median of 6 interleaved rounds of 60 requests, every other
   round in reverse order). The chain without the session and authentication middlewares
   serves /ping anonymously, so the cost of loading the session and the user shows on the
   middleware that first touches them.

Run with the server's settings (environment), as bench/pages_bench.sh does.
"""

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")

import django

django.setup()

import asgiref.sync  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.accounts.models import User  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages_targets  # noqa: E402


def login(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "apps.accounts.backends.ProfileModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


async def asgi_get(app, path: str, cookie: str) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8321),
    }
    sent: list[dict] = []
    first = [True]
    never = asyncio.Event()

    async def receive():
        if first[0]:
            first[0] = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


def count_hops(app, path: str, cookie: str) -> int:
    calls = [0]
    original = asgiref.sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        calls[0] += 1
        return await original(self, *args, **kwargs)

    asgiref.sync.SyncToAsync.__call__ = counting
    try:
        asyncio.run(asgi_get(app, path, cookie))
    finally:
        asgiref.sync.SyncToAsync.__call__ = original
    return calls[0]


def time_per_request(app, path: str, cookie: str, n: int = 150) -> float:
    async def go() -> float:
        for _ in range(10):
            await asgi_get(app, path, cookie)
        start = time.perf_counter()
        for _ in range(n):
            status = await asgi_get(app, path, cookie)
            assert status == 200, status
        return (time.perf_counter() - start) * 1000 / n

    return asyncio.run(go())


def main() -> None:
    user = pages_targets.reader()
    key = login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
    try:
        print("### Queries per page (one member of two departments)\n")
        print("| page | path | queries | status |\n|---|---|---:|---:|")
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        for name, path, _marker in pages_targets.TARGETS:
            if name == "hello":
                continue
            client.get(path)  # warm caches the way a running server has them
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            print(f"| {name} | `{path}` | {len(queries)} | {response.status_code} |")

        from intranet.asgi import django_asgi_app

        hops = count_hops(django_asgi_app, "/ping", cookie)
        print(f"\nThread hops (SyncToAsync calls) in one ASGI request to /ping: **{hops}**\n")

        print("### What each middleware costs (/ping in-process through the ASGI handler, ms per request)\n")
        print("| middleware | chain ms | cost ms |\n|---|---:|---:|")
        handler_class = type(django_asgi_app)
        full = list(settings.MIDDLEWARE)
        apps = []
        for k in range(len(full) + 1):
            with override_settings(MIDDLEWARE=full[:k]):
                apps.append(handler_class())
        # Interleaved: every chain once per round, so a noisy moment hurts them all alike, and in
        # the reverse order every other round: measured always last, the full chain showed the last
        # middleware (axes, which does nothing on a GET) at +0.9-1.4 ms in every run of session 27.
        times: list[list[float]] = [[] for _ in apps]
        for round_ in range(6):
            order = range(len(apps)) if round_ % 2 == 0 else reversed(range(len(apps)))
            for k in order:
                with override_settings(MIDDLEWARE=full[:k]):
                    times[k].append(time_per_request(apps[k], "/ping", cookie, n=60))
        previous = None
        for k, samples in enumerate(times):
            ms = statistics.median(samples)
            name = "(none: URL resolution and the view)" if k == 0 else full[k - 1].rsplit(".", 1)[-1]
            cost = "" if previous is None else f"{ms - previous:+.2f}"
            print(f"| {name} | {ms:.2f} | {cost} |")
            previous = ms
    finally:
        SessionStore(session_key=key).delete()


if __name__ == "__main__":
    main()
