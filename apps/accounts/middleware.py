from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import identity


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `request.user` resolved while `identity` knows whose session asks.

    The session's read then brings the user along: one Redis round trip for both, not two.
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user_of(request))


def _user_of(request: HttpRequest):
    """`django.contrib.auth.middleware.get_user`, inside `identity.resolving_user_of`."""
    if not hasattr(request, "_cached_user"):
        with identity.resolving_user_of(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login, except views marked `login_not_required`.

    API views are left to DRF, which authenticates sessions and tokens itself and
    answers 401/403 in JSON instead of redirecting to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "cls", None) is not None and hasattr(view_func.cls, "authentication_classes"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class TwoFactorSetupMiddleware:
    """Where the company requires two-factor login and a person has not set it up, every page sends them
    to set it up first (the API answers 403 `two_factor_setup_required`). The flag is put in the session at
    login, so this costs no query."""

    ALLOWED = ("/accounts/two-factor/", "/accounts/passkeys/", "/accounts/logout/", "/static/", "/healthz", "/ping")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        from django.http import JsonResponse
        from django.shortcuts import redirect

        from .views import SETUP_REQUIRED

        session = getattr(request, "session", None)
        if session is not None and session.get(SETUP_REQUIRED) and not request.path.startswith(self.ALLOWED):
            if request.path.startswith("/api/"):
                detail = "Your company requires two-factor login: set it up at /accounts/two-factor/ first."
                return JsonResponse({"detail": detail, "code": "two_factor_setup_required"}, status=403)
            return redirect("two_factor_settings")
        return self.get_response(request)
