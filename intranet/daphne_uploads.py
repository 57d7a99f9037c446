"""daphne runs on Twisted, whose `Request` parses every POSTed multipart body itself, in memory,
before daphne hands the raw body to Django, which parses it again (streaming files to disk).

Twisted's parse is not only wasted: a body it cannot read (an empty multipart, a field name
that is not ASCII: django/daphne#447) gets a bare "400 Bad Request" from Twisted, with no
body, no headers and no log line, so the app never sees it and cannot answer with its
JSON error or its error page. Turning it off leaves parsing to Django alone. Twisted's
own switch for this (`parsePOSTFormSubmission`) is an argument daphne does not pass.
"""

from functools import wraps


def let_django_parse_uploads() -> None:
    """Idempotent; a no-op where daphne is not installed."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:
        return
    if getattr(WebRequest.__init__, "leaves_uploads_to_django", False):
        return
    original = WebRequest.__init__

    @wraps(original)
    def __init__(self, *args, **kwargs) -> None:
        kwargs["parsePOSTFormSubmission"] = False
        original(self, *args, **kwargs)

    __init__.leaves_uploads_to_django = True
    WebRequest.__init__ = __init__
