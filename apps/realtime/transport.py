"""What the live layer needs from daphne and autobahn beyond ASGI: the one place to re-check on upgrades.

- `close_oversized_frames_cleanly()`: autobahn fails a connection whose message exceeds
  daphne's `websocket_max_message_size` (1 MB) by dropping the TCP connection
  (`failByDrop`), so the browser sees 1006 and reconnects into the same frame. With this it
  sends a close frame with 1009 ("message too big") first, which clients do not retry.
- `lazy_connection_debug_log()`: autobahn pretty-prints its ~40 options for a debug log line
  on every new connection, whether debug logging is on or not: ~0.3-0.9 ms of CPU per
  handshake, a large part of a connect storm's cost. The text is built only if logged.
"""

import pprint
from functools import wraps
from typing import Any


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
