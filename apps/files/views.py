import mimetypes
import posixpath

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.authentication import user_from_api_token

from .access import can_read_file


@login_not_required  # a browser's session or an API client's token: both checked below
@require_safe
def protected_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve an upload after checking login and permission.

    The URLs the API returns work for API clients too: an `Authorization: Token <key>`
    (or `Bearer`) header authenticates like the session does. Missing and forbidden files
    get the same 404, so a URL reveals nothing. In production nginx sends the bytes
    (X-Accel-Redirect to an `internal` location).
    """
    user = request.user
    if not user.is_authenticated:
        try:
            user = user_from_api_token(request)
        except AuthenticationFailed as error:
            response = JsonResponse({"detail": str(error.detail), "code": error.get_codes()}, status=401)
            response["WWW-Authenticate"] = 'Token realm="api"'
            return response
        if user is None:
            return redirect_to_login(request.get_full_path())
    name = posixpath.normpath(path).lstrip("/")
    if name.startswith("..") or name != path or not can_read_file(user, name):
        raise Http404("No such file")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT_PREFIX.rstrip("/") + "/" + name
    else:
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404("No such file") from None
        response = _ranged_response(request, handle, content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """One `bytes=` range as (first, last), None for no usable range (send it all), False if unsatisfiable.

    Several ranges in one request are answered with the whole file (RFC 9110 allows it).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, sep, last = spec.strip().partition("-")
    if (
        not sep
        or not (first.isdigit() or last.isdigit())
        or (first and not first.isdigit())
        or (last and not last.isdigit())
    ):
        return None
    if not first:  # a suffix: the last N bytes
        length = int(last)
        return (max(0, size - length), size - 1) if length and size else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


class _Slice:
    """`length` bytes of a file from `start`, in blocks, as an async iterator.

    Async so that daphne streams it block by block: Django consumes a sync iterator whole into
    memory under ASGI, which for a large MP4 would be the whole file. Reads of a local file are
    short, so they run in the loop rather than paying a thread hop per block.
    """

    BLOCK = 256 * 1024

    def __init__(self, handle, start: int, length: int) -> None:
        self.handle, self.remaining = handle, length
        handle.seek(start)

    async def __aiter__(self):
        try:
            while self.remaining > 0:
                block = self.handle.read(min(self.BLOCK, self.remaining))
                if not block:
                    break
                self.remaining -= len(block)
                yield block
        finally:
            self.handle.close()


def _ranged_response(request: HttpRequest, handle, content_type: str) -> HttpResponse:
    """The file, or the byte range asked for (206), or 416: video players seek with ranges."""
    size = handle.size
    wanted = parse_range(request.headers.get("Range", ""), size) if "Range" in request.headers else None
    if wanted is False:
        handle.close()
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(handle, content_type=content_type)
    else:
        start, end = wanted
        response = StreamingHttpResponse(_Slice(handle, start, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response
