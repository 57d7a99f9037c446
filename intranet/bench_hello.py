"""The floor of Django's ASGI path on this server: an async hello-world view with no middleware.

Benchmarks compare the trivial logged-in page with it (issue 17, target 1). It is mounted
at /bench/hello only when BENCH_HELLO=1 (bench/pages_bench.sh sets it), never otherwise.
"""

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import path

HELLO_PATH = "/bench/hello"


async def hello(request: HttpRequest) -> HttpResponse:
    """Nothing but Django's request, URL resolution and response: no session, no database."""
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path(HELLO_PATH.lstrip("/"), hello)]


class BareASGIHandler(ASGIHandler):
    """Django's own ASGI handler with an empty middleware list and this module as the URLconf."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response_async)

    async def get_response_async(self, request: HttpRequest) -> HttpResponse:
        request.urlconf = __name__
        return await super().get_response_async(request)


def with_hello(app):
    """Route /bench/hello to the bare handler, everything else to `app`."""
    bare = BareASGIHandler()

    async def router(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == HELLO_PATH:
            return await bare(scope, receive, send)
        return await app(scope, receive, send)

    return router
