import mimetypes
import posixpath

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
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
        response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response
