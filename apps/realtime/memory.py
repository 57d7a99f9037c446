"""Giving memory back after a wave of sockets closed.

With the garbage collector's thresholds raised (intranet/asgi.py) the cyclic garbage of
thousands of closed sockets waits for a rare full collection, and glibc keeps freed memory
in its arenas: a process's RSS only grew over successive reconnect storms (326 → 415 → 594
MiB in issue 10). Once TRIM_AFTER_CLOSES sockets have closed, and the closes have paused
for TRIM_QUIET seconds, the process collects and asks glibc to return free memory
(`malloc_trim`, a no-op elsewhere). One collection per storm, not one per socket.
"""

import asyncio
import ctypes
import ctypes.util
import gc
import logging

logger = logging.getLogger(__name__)

TRIM_AFTER_CLOSES = 500
TRIM_QUIET = 5.0  # seconds without a close before collecting

_closes = 0
_timer: asyncio.TimerHandle | None = None


def _malloc_trim() -> None:
    name = ctypes.util.find_library("c")
    if not name:
        return
    libc = ctypes.CDLL(name)
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def give_back() -> None:
    """Collect and return free memory to the system now (called after a wave of closes)."""
    global _closes, _timer
    _closes, _timer = 0, None
    collected = gc.collect()
    _malloc_trim()
    logger.info("sockets closed: collected %d objects and returned free memory", collected)


def socket_closed() -> None:
    """Count a closed socket; after a wave of them, schedule `give_back` once they pause."""
    global _closes, _timer
    _closes += 1
    if _closes < TRIM_AFTER_CLOSES:
        return
    if _timer is not None:
        _timer.cancel()
    _timer = asyncio.get_running_loop().call_later(TRIM_QUIET, give_back)
