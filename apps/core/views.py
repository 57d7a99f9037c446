from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


@login_not_required
@never_cache
@require_safe
async def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, no Redis (see apps.core.health)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
async def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness, for load balancers: 200 when the database and Redis answer, 503 otherwise."""
    report = await health.readiness()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


healthz = readyz  # the older name of the readiness probe, kept for existing load balancer settings


@require_safe
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest logged-in page: the baseline that benchmarks compare real pages against."""
    return HttpResponse("pong", content_type="text/plain")


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """The icon, for browsers that ask /favicon.ico of pages naming none (the API's browsable pages, JSON).

    Without it every such page logged a 404 in the console.
    """
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
