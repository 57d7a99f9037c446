"""What the live layer needs from daphne and autobahn beyond ASGI: the one place to re-check on upgrades.

- `close_oversized_frames_cleanly()`: autobahn fails a connection whose message exceeds
  daphne's `websocket_max_message_size` (1 MB) by dropping the TCP connection
  (`failByDrop`), so the browser sees 1006 and reconnects into the same frame. With this it
  sends a close frame with 1009 ("message too big") first, which clients do not retry.
"""

from functools import wraps


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
