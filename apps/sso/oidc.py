"""OpenID Connect sign-in with mozilla-django-oidc: authorization code flow with PKCE, state and nonce.

What we add to the library:
- discovery: endpoints come from `{OIDC_ISSUER}/.well-known/openid-configuration` (cached), so
  Keycloak, Entra ID, Okta or Google Workspace need only the issuer, client id and secret;
- the ID token's claims are verified, not only its signature: issuer, audience (our client id),
  expiry and issued-at are required and checked (the library checks the signature and the nonce);
- who gets in is decided by `apps.sso.services.sso_sign_in` (company domains, provisioned
  accounts, deactivated accounts), and a refusal is shown on the login page with its reason;
- RP-initiated logout: signing out also ends the provider's session when it offers an
  `end_session_endpoint`.
"""

import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from apps.accounts.backends import SessionUserMixin
from apps.audit.services import record

from .services import SignInRefused, sso_sign_in

DISCOVERY_SECONDS = 3600
REPLAYED = "This sign-in was already used or was not started here: please sign in again."
_discovered: dict[str, tuple[float, dict]] = {}


def is_configured() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def discovery() -> dict[str, Any]:
    """The provider's metadata, fetched once an hour per issuer."""
    issuer = settings.OIDC_ISSUER.rstrip("/")
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    metadata = response.json()
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise SuspiciousOperation("The provider's metadata names another issuer.")
    _discovered[issuer] = (time.monotonic(), metadata)
    return metadata


class CompanyOIDCBackend(SessionUserMixin, OIDCAuthenticationBackend):
    """Asks the provider only when a callback is being handled: a password login never waits on it."""

    def __init__(self, *args, **kwargs) -> None:
        self.UserModel = get_user_model()

    def _configure(self) -> None:
        metadata = discovery()
        self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = metadata["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if not is_configured() or request is None or "code" not in request.GET or "nonce" not in kwargs:
            return None
        self._configure()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs) -> dict:
        """The library checks the signature and the nonce; the claims are checked here."""
        try:
            payload = super().verify_token(token, **kwargs)
            key = self.retrieve_matching_jwk(token)
            jwt.decode(
                token,
                key=key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=discovery()["issuer"],
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
            )
        except jwt.ExpiredSignatureError:
            raise SignInRefused("The provider's sign-in has expired: please sign in again.") from None
        except jwt.InvalidAudienceError:
            raise SignInRefused("The provider's sign-in was issued for another application.") from None
        except jwt.PyJWTError:
            raise SignInRefused("The provider's sign-in could not be verified.") from None
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict):
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        if claims.get("email_verified") is False:
            raise SignInRefused("Your company account's e-mail address is not verified by the provider.")
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) if settings.OIDC_GROUPS_CLAIM else None
        if groups is not None and not isinstance(groups, list):
            groups = [groups]
        return sso_sign_in(
            email=claims.get(settings.OIDC_EMAIL_CLAIM),
            name=str(claims.get("name") or ""),
            groups=groups,
            method="oidc",
        )


def _require_configured() -> None:
    if not is_configured():
        raise Http404("Company sign-in is not configured.")


class SignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with state, nonce and a PKCE challenge kept in the session."""

    def __init__(self, *args, **kwargs) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_configured()
        self.OIDC_OP_AUTH_ENDPOINT = discovery()["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: refused sign-ins go back to the login page with the reason."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_configured()
        try:
            return super().get(request)
        except SignInRefused as refusal:
            return self._refuse(refusal.message)
        except SuspiciousOperation:
            return self._refuse(REPLAYED)

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        record("auth.login", actor=self.user, detail={"method": "oidc"})
        return response

    def login_failure(self) -> HttpResponse:
        if self.request.GET.get("error"):
            return self._refuse(f"The company sign-in was not completed ({self.request.GET['error'][:60]}).")
        if "code" in self.request.GET and "state" in self.request.GET:
            return self._refuse(REPLAYED)
        return self._refuse("Company sign-in failed: please try again.")

    def _refuse(self, message: str) -> HttpResponse:
        record("auth.login_failed", detail={"method": "oidc", "reason": message[:120]})
        messages.error(self.request, message)
        return redirect("login")


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-initiated logout), if it can."""
    id_token = request.session.get("oidc_id_token")
    if not is_configured() or not id_token:
        return None
    try:
        end_session = discovery().get("end_session_endpoint")
    except requests.RequestException:
        return None
    if not end_session:
        return None
    params = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    return f"{end_session}?{urlencode(params)}"
