"""ASGI entry point: HTTP through Django, /ws/ through Channels with session auth and an Origin check."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")

from intranet.handler import get_asgi_application  # Django's, with one thread hop per request

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from apps.realtime.handshake import SessionAuth, SocketLimit  # noqa: E402
from apps.realtime.transport import (  # noqa: E402
    close_oversized_frames_cleanly,
    close_sockets_on_shutdown,
    lazy_connection_debug_log,
    refuse_upgrades_when_full,
)
from intranet.daphne_uploads import let_django_parse_uploads  # noqa: E402
from intranet.routing import websocket_urlpatterns  # noqa: E402

let_django_parse_uploads()
close_oversized_frames_cleanly()
close_sockets_on_shutdown()
lazy_connection_debug_log()

http_app = ASGIStaticFilesHandler(django_asgi_app) if settings.SERVE_STATIC else django_asgi_app
if os.environ.get("BENCH_HELLO") == "1":  # benchmarks only: the bare async hello-world baseline
    from intranet.bench_hello import with_hello

    http_app = with_hello(http_app)

# The limit first: a process that is full refuses before any database or Redis work, and
# under daphne already in the HTTP upgrade (503), before an application instance exists.
sockets = SocketLimit(AllowedHostsOriginValidator(SessionAuth(URLRouter(websocket_urlpatterns))))
refuse_upgrades_when_full(sockets.full)

application = ProtocolTypeRouter({"http": http_app, "websocket": sockets})

# Fewer garbage-collector pauses. With a thousand sockets in a process, a full collection
# stops it for 100-250 ms, and the default thresholds ran one every few seconds under chat
# load (p99 fan-out latency 250-330 ms at 1,000 subscribers; 125-150 ms with this, see
# BENCHMARKS.md "Chat"). Startup objects are never garbage: freeze them out of every scan.
gc.freeze()
gc.set_threshold(50_000, 20, 20)
