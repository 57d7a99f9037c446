"""The chat hub's writes to sockets: the only chat module that touches daphne, autobahn or channels internals.

Re-check this file when upgrading daphne, autobahn or channels (together with
apps/realtime/transport.py and intranet/daphne_uploads.py). Everything else in the hub
speaks ASGI.
"""

import functools
from typing import Any

from channels.sessions import InstanceSessionWrapper

from . import selectors


class Outgoing:
    """One frame for many sockets: the text is encoded once by whoever built it; under daphne
    the WebSocket frame around it is built once too (autobahn's prepared messages, made for
    broadcasting), so what is left per socket is the write."""

    __slots__ = ("_prepared", "message")

    def __init__(self, text: str) -> None:
        self.message = {"type": "websocket.send", "text": text}
        self._prepared = None

    @classmethod
    def frame(cls, frame: dict) -> "Outgoing":
        return cls(selectors.encode_frame(frame))

    def prepared(self, protocol: Any) -> Any:
        if self._prepared is None:
            self._prepared = protocol.factory.prepareMessage(self.message["text"].encode())
        return self._prepared


def asgi_send(consumer: Any) -> Any:
    """The ASGI send under channels' session middleware (its wrapper only acts on HTTP responses)."""
    send = consumer.base_send
    wrapper = getattr(send, "__self__", None)
    if isinstance(wrapper, InstanceSessionWrapper) and callable(getattr(wrapper, "real_send", None)):
        return wrapper.real_send
    return send


def daphne_protocol(send: Any) -> Any:
    """The autobahn protocol of the socket when daphne serves it (its ASGI send is
    `partial(server.handle_reply, protocol)`); None elsewhere (tests, other servers)."""
    if isinstance(send, functools.partial) and send.args:
        protocol = send.args[0]
        if hasattr(protocol, "sendPreparedMessage") and hasattr(protocol, "STATE_OPEN"):
            return protocol
    return None


async def write(send: Any, protocol: Any, out: Outgoing) -> None:
    """One frame to one socket: the prepared frame through autobahn under daphne, else the ASGI send."""
    if protocol is None:
        await send(out.message)
    elif protocol.state == protocol.STATE_OPEN:  # what daphne's handle_reply checks, in autobahn's terms
        protocol.sendPreparedMessage(out.prepared(protocol))
