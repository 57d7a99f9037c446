import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

HEALTH_TIMEOUT_SECONDS = 2.0


def _database_ok() -> bool:
    # Runs on the request's sync thread; Django closes the connection when the request ends.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


async def _channel_layer_ok() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "token": token})
    message = await layer.receive(channel)
    return message.get("token") == token


async def _check(probe) -> str:
    try:
        ok = await asyncio.wait_for(probe, HEALTH_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure means "down"; the reason is for logs, not callers
        return "error"
    return "ok" if ok else "error"


@login_not_required
@never_cache
@require_safe
async def healthz(request: HttpRequest) -> JsonResponse:
    """Open to load balancers: 200 when the database and channel layer answer, 503 otherwise."""
    database, channel_layer = await asyncio.gather(_check(sync_to_async(_database_ok)()), _check(_channel_layer_ok()))
    healthy = database == "ok" and channel_layer == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "channel_layer": channel_layer},
        status=200 if healthy else 503,
    )


@require_safe
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest logged-in page: the baseline that benchmarks compare real pages against."""
    return HttpResponse("pong", content_type="text/plain")
