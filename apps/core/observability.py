"""What the operator watches: one JSON access-log line per request, and Prometheus metrics per process.

- `AccessLogMiddleware` logs each request on the `intranet.access` logger (request id, user id,
  method, path, status, duration); with `LOG_FORMAT=json` every log line of the process is one JSON
  object (`JsonFormatter`), so the access lines and the errors share a shape and a request id.
- `/metrics` (prometheus-client's text format) answers only with `Authorization: Bearer
  <METRICS_TOKEN>`, and 404 when no token is set; nginx never forwards it (deploy/nginx), so
  Prometheus scrapes each daphne process on its own port. Requests and latencies, open sockets and
  channel-layer errors are counted in the process; the task queue's depth and failures are read
  from the database at scrape time.
"""

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterator

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .request_id import current_request_id

access_logger = logging.getLogger("intranet.access")

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("intranet_http_requests", "HTTP requests answered", ["method", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "intranet_http_request_duration_seconds", "Time to answer an HTTP request", ["method"], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)  # fmt: skip
OPEN_SOCKETS = Gauge("intranet_websockets_open", "WebSockets open in this process", registry=REGISTRY)
SOCKETS_REFUSED = Counter(
    "intranet_websockets_refused", "WebSocket handshakes refused because the process was full", registry=REGISTRY
)
LAYER_ERRORS = Counter(
    "intranet_channel_layer_errors", "Live events the channel layer failed to send", registry=REGISTRY
)


class TaskQueueCollector(Collector):
    """Django Tasks on the database: how many wait, and how many failed (read when scraped)."""

    def describe(self) -> list:
        return []  # registering must not query the database (it happens at import)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult

        counts = {"READY": 0, "RUNNING": 0, "FAILED": 0}
        for status in counts:
            counts[status] = DBTaskResult.objects.filter(status=status).count()
        depth = GaugeMetricFamily("intranet_tasks", "Background tasks by state", labels=["state"])
        for status, count in counts.items():
            depth.add_metric([status.lower()], count)
        yield depth


REGISTRY.register(TaskQueueCollector())


def _route(request: HttpRequest) -> str:
    return request.path if len(request.path) <= 200 else request.path[:200] + "…"


class AccessLogMiddleware:
    """One log line and the request metrics per request (outermost but for the request id)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._record(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        self._record(request, response, started)
        return response

    def _record(self, request: HttpRequest, response: HttpResponse, started: float) -> None:
        duration = time.perf_counter() - started
        REQUESTS.labels(request.method, str(response.status_code)).inc()
        LATENCY.labels(request.method).observe(duration)
        user = getattr(request, "user", None)
        access_logger.info(
            "%s %s %s %.1fms", request.method, _route(request), response.status_code, duration * 1000,
            extra={
                "request_id": getattr(request, "request_id", current_request_id()),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "method": request.method, "path": _route(request), "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
            },
        )  # fmt: skip


@login_not_required
@never_cache
async def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape of this process; only with the operator's token (404 otherwise, like nothing there)."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise Http404("No such page")
    body = await sync_to_async(generate_latest)(REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
