"""Two pools of threads for HTTP under daphne (intranet/handler.py): quick reads, and the rest.

One process runs Python in one thread at a time. Twenty pages rendered at once cost 20-45 %
more CPU each than two or four at once (BENCHMARKS.md "Pages", session 30), so the
reads people wait for (GET and HEAD of pages and the API) share a small pool. A request
that may wait a long time, on an identity provider, an upload's checks (Pillow, ffprobe)
or a slow write, must not hold one of those few threads: every write (any other method)
and every view marked `slow_lane` runs in a second, larger pool.
"""

from collections.abc import Callable

QUICK_METHODS = frozenset({"GET", "HEAD"})


def slow_lane[V: Callable](view: V) -> V:
    """Mark a view whose GET may wait on another server (an identity provider): it runs in the slow pool."""
    view.slow_lane = True
    return view


def is_slow_view(view: Callable) -> bool:
    return bool(getattr(view, "slow_lane", False))
