"""The ASGI handler serves a synchronous request in one thread hop, and answers as Django's would."""

import asyncio
import time

import asgiref.sync
import pytest
from django.conf import settings
from django.test import Client

from intranet.handler import OneHopASGIHandler


async def _get(app, path: str, *, cookie: str = "", method: str = "GET", body: bytes = b"") -> tuple[int, dict, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode()),
                    (b"content-type", b"application/x-www-form-urlencoded")],
        "client": ("127.0.0.1", 40000), "server": ("testserver", 80),
    }  # fmt: skip
    messages: list[dict] = []
    first, never = [True], asyncio.Event()

    async def receive():
        if first[0]:
            first[0] = False
            return {"type": "http.request", "body": body, "more_body": False}
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in messages[1:])


def _hops(path: str, **kwargs) -> tuple[int, tuple[int, dict, bytes]]:
    """(SyncToAsync calls, answer) of one request through a fresh handler."""
    app = OneHopASGIHandler()
    calls = [0]
    original = asgiref.sync.SyncToAsync.__call__

    async def counting(self, *args, **kw):
        calls[0] += 1
        return await original(self, *args, **kw)

    asgiref.sync.SyncToAsync.__call__ = counting
    try:
        answer = asyncio.run(_get(app, path, **kwargs))
    finally:
        asgiref.sync.SyncToAsync.__call__ = original
    return calls[0], answer


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
def test_a_logged_in_page_costs_one_thread_hop(member):
    hops, (status, headers, body) = _hops("/ping", cookie=_cookie(member))
    assert (hops, status, body) == (1, 200, b"pong")
    assert "x-request-id" in headers and headers["x-frame-options"] == "DENY"


@pytest.mark.django_db(transaction=True)
def test_the_feed_page_costs_one_thread_hop(member):
    hops, (status, _headers, body) = _hops("/", cookie=_cookie(member))
    assert (hops, status) == (1, 200) and b'<main id="main"' in body


@pytest.mark.django_db(transaction=True)
def test_anonymous_is_sent_to_the_login_page_and_a_404_gets_the_error_page(member):
    hops, (status, headers, _body) = _hops("/ping")
    assert (hops, status) == (1, 302) and "login" in headers["location"]
    hops, (status, _headers, body) = _hops("/no/such/page/", cookie=_cookie(member))
    assert (hops, status) == (1, 404) and b'<main id="main"' in body


@pytest.mark.django_db(transaction=True)
def test_a_post_without_csrf_is_refused_as_django_would(member):
    hops, (status, _headers, _body) = _hops("/feed/posts/new/", cookie=_cookie(member), method="POST", body=b"body=x")
    assert (hops, status) == (1, 403)


@pytest.mark.django_db(transaction=True)
def test_an_async_view_keeps_djangos_async_path():
    _hops_count, (status, _headers, body) = _hops("/healthz")
    assert status == 200 and b'"database": "ok"' in body


@pytest.mark.parametrize("threads", [0, 2])
@pytest.mark.django_db(transaction=True)
def test_a_thread_per_request_or_a_bounded_pool_serves_the_same(settings, member, threads):
    settings.HTTP_WORKER_THREADS = threads
    hops, (status, _headers, body) = _hops("/ping", cookie=_cookie(member))
    assert (hops, status, body) == (1, 200, b"pong")


@pytest.mark.django_db(transaction=True)
def test_a_request_is_stamped_on_arrival_before_it_waits_for_a_thread(member):
    """apps.core.arrival: a report is timed by when it reached the server (the video player's progress)."""
    app = OneHopASGIHandler()
    seen: list[tuple[float, float]] = []
    serve = app._sync_handler.get_response

    def stamped(request):
        seen.append((request.arrived_at, time.time()))
        return serve(request)

    app._sync_handler.get_response = stamped
    before = time.time()
    status, _headers, _body = asyncio.run(_get(app, "/ping", cookie=_cookie(member)))
    assert status == 200 and before <= seen[0][0] <= seen[0][1]


def test_which_paths_are_async_is_kept_per_urlconf_and_long_paths_are_not_kept(settings):
    """The handler asks the resolver once per path (it did on every request, on the event loop)."""
    from intranet import handler

    handler._resolves_to_async_view.cache_clear()
    app = OneHopASGIHandler()
    assert app._view_is_async({"path": "/healthz"}) and not app._view_is_async({"path": "/ping"})
    assert app._view_is_async({"path": "/healthz"})
    assert handler._resolves_to_async_view.cache_info().hits == 1
    settings.ROOT_URLCONF = "intranet.bench_hello"  # another URLconf: its own answers
    assert app._view_is_async({"path": "/bench/hello"}) and not app._view_is_async({"path": "/healthz"})
    kept = handler._resolves_to_async_view.cache_info().currsize
    assert not app._view_is_async({"path": "/" + "x" * handler.MAX_KEPT_PATH})
    assert handler._resolves_to_async_view.cache_info().currsize == kept
