"""Django's ASGI handler, with every synchronous request served in ONE thread hop (issue 17).

Django's own ASGI path runs the middleware chain on the event loop and hands each
synchronous part (a `MiddlewareMixin` hook, a sync-only middleware, the view, the
request_started / request_finished signals, `response.close`) to a worker thread and
back: 8 hand-offs for /ping here, ~4 ms of the trivial page's ~5 ms of CPU (BENCHMARKS.md
"Pages"). Every view of this project but the health check is synchronous, and every one
of them touches the database (session, user), so at least one hop is unavoidable. This
handler makes it exactly one: it reads the body on the event loop, then runs
request_started, the whole middleware chain in its sync mode (as under WSGI), the view and
`response.close()` (request_finished: connections back to the pool) in one worker thread,
and sends the answer from the event loop. Streaming answers (files) are sent as Django
does and closed afterwards.

Async views (`async def`, e.g. /healthz) keep Django's async path unchanged. The hops go
to one of two shared pools (apps/core/lanes.py): GET and HEAD to the `HTTP_WORKER_THREADS`
quick threads, writes and views marked `slow_lane` to the `HTTP_SLOW_THREADS` others. A pool
of 0 threads means a new thread per request (Django's `ThreadSensitiveContext`, which starts
another thread to join it afterwards).
"""

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from functools import lru_cache

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponse
from django.urls import Resolver404, get_resolver, set_script_prefix

from apps.core.lanes import QUICK_METHODS, is_slow_view

ASYNC, SLOW, QUICK = "async", "slow", "quick"  # how a path's view is served


class OneHopASGIHandler(ASGIHandler):
    """ASGIHandler whose synchronous views cost one thread hop per request."""

    def __init__(self) -> None:
        super().__init__()  # the async chain, for async views
        self._sync_handler = base.BaseHandler()
        self._sync_handler.load_middleware(is_async=False)
        self._quick = _pool(getattr(settings, "HTTP_WORKER_THREADS", 0), "http-quick")
        self._slow = _pool(getattr(settings, "HTTP_SLOW_THREADS", 0), "http-slow")

    def _lane(self, scope: dict) -> str:
        """ASYNC, SLOW or QUICK: the path's view, then the method (only GET and HEAD are quick)."""
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if len(path) > MAX_KEPT_PATH:  # not kept: a flood of long paths must not fill memory
            lane = _view_lane.__wrapped__(get_resolver(), path)
        else:
            lane = _view_lane(get_resolver(), path)
        return lane if lane != QUICK or scope.get("method") in QUICK_METHODS else SLOW

    async def handle(self, scope, receive, send) -> None:
        arrived_at = time.time()  # before any queueing: see apps.core.arrival
        lane = self._lane(scope)
        if lane == ASYNC:
            return await super().handle(scope, receive, send)
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            set_script_prefix(get_script_prefix(scope))
            executor = self._quick if lane == QUICK else self._slow
            if executor is None:
                hop = sync_to_async(self._serve, thread_sensitive=True)
            else:
                hop = sync_to_async(self._serve, thread_sensitive=False, executor=executor)
            response = await hop(scope, body_file, arrived_at)
            await self.send_response(response, send)
            if response.streaming:
                await sync_to_async(response.close)()

    def _serve(self, scope: dict, body_file, arrived_at: float) -> HttpResponse:
        """The whole synchronous part of a request, in the worker thread."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is not None:
            request.arrived_at = arrived_at
        response = error_response if request is None else self._sync_handler.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # request_finished here, in the thread that used the connections
        return response


def _pool(threads: int | None, name: str) -> ThreadPoolExecutor | None:
    threads = int(threads or 0)
    return ThreadPoolExecutor(threads, thread_name_prefix=name) if threads > 0 else None


MAX_KEPT_PATH = 200  # characters: 4,096 kept paths hold at most ~1 MB


@lru_cache(maxsize=4096)
def _view_lane(resolver, path: str) -> str:
    """Kept per URLconf and path: resolving and inspecting the view on the event loop, for every
    request, was a tenth of the event loop's time for /ping (BENCHMARKS.md "Pages", session 29)."""
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return QUICK
    except Exception:  # noqa: BLE001 - a path the resolver rejects is answered by the sync path (400/404)
        return QUICK
    if iscoroutinefunction(match.func):
        return ASYNC
    return SLOW if is_slow_view(match.func) else QUICK


def get_asgi_application() -> OneHopASGIHandler:
    """`django.core.asgi.get_asgi_application`, with the one-hop handler."""
    import django

    django.setup(set_prefix=False)
    return OneHopASGIHandler()
