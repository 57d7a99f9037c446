"""When the server received a request, as opposed to when a busy server got round to it.

A report that says "the player was at 0:00" is true of the moment it was sent. On a loaded
server the request may wait seconds for a thread, the interpreter lock or a row lock; taking
the time inside the view then makes the wait look like no time passed between two reports,
and real watching looks like a seek (apps.videos.services.progress_report). The one-hop
handler (intranet/handler.py) stamps each request on arrival, on the event loop, before any
of that queueing; elsewhere (the test client, a WSGI server) the time of asking stands in.
"""

from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils import timezone


def arrived_at(request: HttpRequest) -> datetime:
    """The moment the request reached the server (aware, UTC)."""
    stamp = getattr(request, "arrived_at", None)
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else timezone.now()
