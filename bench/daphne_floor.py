"""The floors of a WebSocket connect under daphne, for bench/live_layer.py's storm (issue 10.4).

Two ASGI applications that accept every socket and send one `hello` frame, with nothing of
the intranet behind them:

- `bare`: a plain ASGI callable: what daphne itself (Twisted, autobahn, its ASGI glue) costs;
- `channels`: channels' `AsyncJsonWebsocketConsumer` through `URLRouter`, on the in-memory
  channel layer: what channels' routing, consumer set-up and JSON sending add.

So the storm's "CPU per connect" of the full stack (session, user, groups, presence) can be
read against the cheapest connect daphne can give, measured in the same run.

    python -m daphne -b 127.0.0.1 -p 8790 bench.daphne_floor:bare
"""

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1"],
    INSTALLED_APPS=["channels"],
    CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
)
django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

HELLO = '{"type":"hello","user":{"id":0,"name":"bench"}}'


async def bare(scope: dict, receive, send) -> None:
    """Accept, say hello, wait for the close; answer any HTTP request with 200 (readiness)."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": HELLO})
    while (await receive())["type"] != "websocket.disconnect":
        pass


class HelloConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.send_json({"type": "hello", "user": {"id": 0, "name": "bench"}})


channels = ProtocolTypeRouter({"http": bare, "websocket": URLRouter([path("ws/", HelloConsumer.as_asgi())])})
