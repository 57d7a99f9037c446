"""What the live layer needs from daphne and autobahn beyond ASGI: the one place to re-check on upgrades.

- `close_oversized_frames_cleanly()`: autobahn fails a connection whose message exceeds
  daphne's `websocket_max_message_size` (1 MB) by dropping the TCP connection
  (`failByDrop`), so the browser sees 1006 and reconnects into the same frame. With this it
  sends a close frame with 1009 ("message too big") first, which clients do not retry.
- `close_sockets_on_shutdown()`: on SIGTERM (systemd's stop, a rolling restart) daphne cancels
  every application and the reactor drops the TCP connections, so each client sees 1006, as
  after a crash, and a request in flight fails. With this the process first stops listening,
  then, until nothing of it runs or `SHUTDOWN_GRACE_S` is over: closes every open socket with
  1001 ("going away"), lets requests in flight finish and the consumers run their own
  `disconnect` (leaving their groups), and closes idle keep-alive connections (nginx would
  reuse one for a new request or socket: without it, nginx finds the port closed and sends
  them to the other processes). Only then does daphne cancel what is left.
- `refuse_upgrades_when_full(full)`: while `full()` (apps.realtime.handshake.SocketLimit), a
  WebSocket upgrade is answered `503 Service Unavailable` with `Retry-After`, in the HTTP
  handshake: before daphne makes an application instance, and without the WebSocket accept,
  close frame and closing handshake that an accept-and-close (4503) costs. A browser sees a
  socket that closed without opening (1006), and socket.js backs off from that as from 4503.
- `lazy_connection_debug_log()`: autobahn pretty-prints its ~40 options for a debug log line
  on every new connection, whether debug logging is on or not: ~0.3-0.9 ms of CPU per
  handshake, a large part of a connect storm's cost. The text is built only if logged.
"""

import logging
import pprint
import sys
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

logger = logging.getLogger(__name__)

CLOSE_GOING_AWAY = 1001  # RFC 6455: "a server going down"; socket.js reconnects (to another process)
SHUTDOWN_GRACE_S = 5.0  # well within the unit's TimeoutStopSec (20 s)
BUSY_STATUS = 503
BUSY_RETRY_AFTER_S = 5  # for clients that read it; socket.js cannot, and uses its own backoff

_upgrade_gate: list[Callable[[], bool]] = []  # the `full` of refuse_upgrades_when_full, once set


def close_oversized_frames_cleanly() -> None:
    """Idempotent; a no-op where daphne is not installed."""
    try:
        from daphne.ws_protocol import WebSocketFactory
    except ImportError:
        return
    if getattr(WebSocketFactory.__init__, "closes_cleanly", False):
        return
    original = WebSocketFactory.__init__

    @wraps(original)
    def __init__(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        self.failByDrop = False  # autobahn option: send the close frame, then drop

    __init__.closes_cleanly = True
    WebSocketFactory.__init__ = __init__


def close_sockets_on_shutdown() -> None:
    """Idempotent; a no-op in a process daphne does not serve (its server module installs a
    Twisted reactor on import, which a test or management command must not get as a side effect)."""
    server_module = sys.modules.get("daphne.server")
    if server_module is None:
        return
    from daphne.ws_protocol import WebSocketProtocol
    from twisted.internet import defer
    from twisted.web.http import HTTPChannel

    Server = server_module.Server
    if getattr(Server.kill_all_applications, "closes_sockets", False):
        return
    listen_success = Server.listen_success
    kill_all_applications = Server.kill_all_applications

    @wraps(listen_success)
    def remember_port(self, port) -> None:
        self.intranet_ports = [*getattr(self, "intranet_ports", []), port]
        return listen_success(self, port)

    def close_what_is_idle(server, reactor) -> int:
        """Close frames for open sockets, and idle HTTP connections closed; how many sockets were open."""
        sockets = [p for p in list(server.connections) if isinstance(p, WebSocketProtocol)]
        opened = [p for p in sockets if p.state == WebSocketProtocol.STATE_OPEN]
        for protocol in opened:
            protocol.sendCloseFrame(code=CLOSE_GOING_AWAY, reasonUtf8=b"server restart")
        for transport in reactor.getReaders():
            # Twisted wraps each HTTP/1.1 connection's channel (`_channel`); after an upgrade the
            # transport's protocol is the WebSocket's instead.
            channel = getattr(getattr(transport, "protocol", None), "_channel", None)
            if isinstance(channel, HTTPChannel) and not channel.requests:
                transport.loseConnection()
        return len(opened)

    def busy(server) -> bool:
        """A socket not yet closed, or an application (a request, a consumer's `disconnect`) still running."""
        for protocol, details in list(server.connections.items()):
            instance = details.get("application_instance")
            if instance is not None and not instance.done():
                return True
            if isinstance(protocol, WebSocketProtocol) and not details.get("disconnected"):
                return True
        return False

    @wraps(kill_all_applications)
    def close_then_kill(self):
        from twisted.internet import reactor  # daphne's (asyncio) reactor, installed by now

        for port in getattr(self, "intranet_ports", []):
            port.stopListening()
        logger.info("shutting down: %d sockets closed with %d", close_what_is_idle(self, reactor), CLOSE_GOING_AWAY)
        drained = defer.Deferred()
        deadline = time.monotonic() + SHUTDOWN_GRACE_S

        def check() -> None:
            if busy(self) and time.monotonic() < deadline:
                close_what_is_idle(self, reactor)  # a socket or request that came on a kept-alive connection
                reactor.callLater(0.05, check)
            else:
                drained.callback(None)

        check()
        drained.addCallback(lambda _: kill_all_applications(self))
        return drained

    close_then_kill.closes_sockets = True
    Server.listen_success = remember_port
    Server.kill_all_applications = close_then_kill


def refuse_upgrades_when_full(full: Callable[[], bool]) -> None:
    """Refuse upgrades with 503 while `full()`. Idempotent (the last `full` counts); a no-op without daphne."""
    try:
        from autobahn.websocket.types import ConnectionDeny
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    from apps.core.observability import SOCKETS_REFUSED

    _upgrade_gate[:] = [full]
    if getattr(WebSocketProtocol.onConnect, "refuses_when_full", False):
        return
    on_connect = WebSocketProtocol.onConnect
    on_close = WebSocketProtocol.onClose
    fail_handshake = WebSocketProtocol.failHandshake

    @wraps(on_connect)
    def onConnect(self, request):
        if _upgrade_gate[0]():
            self.refused_busy = True
            SOCKETS_REFUSED.inc()
            raise ConnectionDeny(BUSY_STATUS, "Service Unavailable")  # autobahn answers it (failHandshake)
        return on_connect(self, request)

    @wraps(on_close)
    def onClose(self, wasClean, code, reason):
        if getattr(self, "refused_busy", False):
            return None  # daphne never heard of this connection: nothing to tell it
        return on_close(self, wasClean, code, reason)

    @wraps(fail_handshake)
    def failHandshake(self, reason, code=400, responseHeaders=None):
        if code == BUSY_STATUS and responseHeaders is None:
            responseHeaders = [("Retry-After", str(BUSY_RETRY_AFTER_S))]
        return fail_handshake(self, reason, code, responseHeaders)

    onConnect.refuses_when_full = True
    WebSocketProtocol.onConnect = onConnect
    WebSocketProtocol.onClose = onClose
    WebSocketProtocol.failHandshake = failHandshake


class _LazyPformat:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __str__(self) -> str:
        return pprint.pformat(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def lazy_connection_debug_log() -> None:
    """Idempotent; a no-op where autobahn is not installed."""
    try:
        from autobahn.websocket import protocol
    except ImportError:
        return
    if protocol.pformat is _LazyPformat:
        return
    protocol.Timings.__str__ = lambda self: pprint.pformat(self._timings)  # the one use that needs a str
    protocol.pformat = _LazyPformat
