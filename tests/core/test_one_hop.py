"""The ASGI handler serves a synchronous request in one thread hop, and answers as Django's would."""

import asyncio
import threading
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
    settings.HTTP_WORKER_THREADS = settings.HTTP_SLOW_THREADS = threads
    hops, (status, _headers, body) = _hops("/ping", cookie=_cookie(member))
    assert (hops, status, body) == (1, 200, b"pong")
    hops, (status, _headers, _body) = _hops("/feed/posts/new/", cookie=_cookie(member), method="POST", body=b"x=1")
    assert (hops, status) == (1, 403)


def _before_each_view(app: OneHopASGIHandler, before) -> None:
    """`before(request)` runs in the worker thread, just before the middleware chain and the view."""
    serve = app._sync_handler.get_response

    def wrapped(request):
        before(request)
        return serve(request)

    app._sync_handler.get_response = wrapped


def _recording_threads(app: OneHopASGIHandler) -> dict[str, str]:
    """path -> the name of the thread that served it."""
    served: dict[str, str] = {}
    _before_each_view(app, lambda request: served.__setitem__(request.path, threading.current_thread().name))
    return served


@pytest.mark.django_db(transaction=True)
def test_reads_run_in_the_quick_pool_and_writes_and_sign_in_callbacks_in_the_slow_one(settings, member):
    settings.HTTP_WORKER_THREADS, settings.HTTP_SLOW_THREADS = 2, 3
    app = OneHopASGIHandler()
    served = _recording_threads(app)
    cookie = _cookie(member)

    async def requests():
        await _get(app, "/ping", cookie=cookie)
        await _get(app, "/ping", cookie=cookie, method="HEAD")
        await _get(app, "/api/v1/posts/", cookie=cookie)
        await _get(app, "/feed/posts/new/", cookie=cookie, method="POST", body=b"body=x")
        await _get(app, "/oidc/callback/")  # waits on the identity provider: slow, although a GET
        await _get(app, "/saml2/metadata/")

    asyncio.run(requests())
    lanes = {path: name.split("_")[0] for path, name in served.items()}
    assert lanes == {
        "/ping": "http-quick", "/api/v1/posts/": "http-quick", "/feed/posts/new/": "http-slow",
        "/oidc/callback/": "http-slow", "/saml2/metadata/": "http-slow",
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_slow_sign_in_does_not_hold_up_the_pages(settings, member):
    """With one quick thread, a page is served while a sign-in callback waits on its provider."""
    settings.HTTP_WORKER_THREADS, settings.HTTP_SLOW_THREADS = 1, 2
    app = OneHopASGIHandler()
    cookie = _cookie(member)
    provider_answers = threading.Event()

    def callback_waits(request):
        if request.path == "/oidc/callback/":
            assert provider_answers.wait(10)

    _before_each_view(app, callback_waits)

    async def both():
        callback = asyncio.ensure_future(_get(app, "/oidc/callback/"))
        await asyncio.sleep(0.05)  # the callback is waiting in its thread
        page = await asyncio.wait_for(_get(app, "/ping", cookie=cookie), 10)
        still_waiting = not callback.done()
        provider_answers.set()
        return page, still_waiting, await callback

    page, still_waiting, (callback_status, _headers, _body) = asyncio.run(both())
    assert page[0] == 200 and page[2] == b"pong" and still_waiting
    assert callback_status == 404  # no provider configured in the tests: sign-in with it is not offered


def test_every_sign_in_view_that_waits_on_a_provider_is_in_the_slow_lane():
    from django.urls import resolve, reverse

    from apps.core.lanes import is_slow_view

    names = ["oidc_authentication_init", "oidc_authentication_callback", "saml2_login", "saml2_acs", "saml2_metadata"]
    for name in names:
        assert is_slow_view(resolve(reverse(name)).func), name


@pytest.mark.django_db(transaction=True)
def test_a_request_is_stamped_on_arrival_before_it_waits_for_a_thread(member):
    """apps.core.arrival: a report is timed by when it reached the server (the video player's progress)."""
    app = OneHopASGIHandler()
    seen: list[tuple[float, float]] = []
    _before_each_view(app, lambda request: seen.append((request.arrived_at, time.time())))
    before = time.time()
    status, _headers, _body = asyncio.run(_get(app, "/ping", cookie=_cookie(member)))
    assert status == 200 and before <= seen[0][0] <= seen[0][1]


def test_which_lane_serves_a_path_is_kept_per_urlconf_and_long_paths_are_not_kept(settings):
    """The handler asks the resolver once per path (it did on every request, on the event loop)."""
    from intranet import handler

    handler._view_lane.cache_clear()
    app = OneHopASGIHandler()
    get = {"method": "GET"}
    assert app._lane({"path": "/healthz"} | get) == handler.ASYNC
    assert app._lane({"path": "/ping"} | get) == handler.QUICK
    assert app._lane({"path": "/ping", "method": "POST"}) == handler.SLOW
    assert app._lane({"path": "/healthz"} | get) == handler.ASYNC
    assert handler._view_lane.cache_info().hits == 2
    settings.ROOT_URLCONF = "intranet.bench_hello"  # another URLconf: its own answers
    assert app._lane({"path": "/bench/hello"} | get) == handler.ASYNC
    assert app._lane({"path": "/healthz"} | get) == handler.QUICK  # not in that URLconf: Django's 404
    kept = handler._view_lane.cache_info().currsize
    assert app._lane({"path": "/" + "x" * handler.MAX_KEPT_PATH} | get) == handler.QUICK
    assert handler._view_lane.cache_info().currsize == kept
