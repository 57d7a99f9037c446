"""SAML 2.0 sign-in with djangosaml2 (on pysaml2): SP-initiated, HTTP-Redirect request, HTTP-POST answer.

What the library does: the AuthnRequest, the signature check of the assertion (by Debian's
xmlsec1), InResponseTo against the requests this browser started (unsolicited answers refused),
the Response's Destination, the audience and the validity window. What we add, because the
library lets it through:
- the SubjectConfirmation's Recipient must be our ACS URL (pysaml2 checks it only when given
  conversation info, which djangosaml2 does not pass), and an AudienceRestriction must exist;
- an assertion is accepted once (its id is claimed in the cache until it expires), on top of the
  library's one-answer-per-request rule, so two posts of one captured answer cannot both succeed;
- who gets in, JIT accounts and departments from groups: `apps.sso.services.sso_sign_in`, the
  same rule as OpenID Connect; refusals go back to the login page with their reason, audited.

Configured from the environment (settings SAML_*); the IdP's metadata is fetched from a URL
(cached an hour) or read from a file. Our metadata is at /saml2/metadata/, our entity id.
"""

import hashlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import saml2
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import BaseBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from djangosaml2 import views as saml_views
from djangosaml2.exceptions import IdPConfigurationMissing
from saml2 import SAMLError
from saml2.config import SPConfig
from saml2.mdstore import SourceNotFound
from saml2.metadata import entity_descriptor
from saml2.response import StatusError, UnsolicitedResponse
from saml2.s_utils import SamlException
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED, SCM_BEARER
from saml2.sigver import SignatureError, SigverError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from apps.accounts.backends import SessionUserMixin
from apps.audit.services import record

from .services import SignInRefused, sso_sign_in

METADATA_SECONDS = 3600
REPLAYED = "This sign-in was already used or was not started here: please sign in again."
UNVERIFIED = "The identity provider's answer could not be verified: please sign in again."
UNAVAILABLE = "Company sign-in is unavailable right now (the identity provider cannot be reached): try again later."
# The IdP's metadata cannot be fetched, read or loaded: refused with a message, logged, never a 500.
UNREACHABLE = (
    requests.RequestException, OSError, SAMLError, SamlException, SourceNotFound, IdPConfigurationMissing, ValueError
)  # fmt: skip
logger = logging.getLogger(__name__)
_fetched: dict[str, tuple[float, str]] = {}


def is_configured() -> bool:
    return bool(settings.SAML_IDP_METADATA_URL or settings.SAML_IDP_METADATA_FILE)


def entity_id() -> str:
    return settings.SAML_SP_ENTITY_ID or f"{settings.SITE_URL}{reverse('saml2_metadata')}"


def acs_url() -> str:
    return f"{settings.SITE_URL}{reverse('saml2_acs')}"


def idp_metadata() -> str:
    """The IdP's metadata XML: from SAML_IDP_METADATA_FILE, or fetched once an hour from SAML_IDP_METADATA_URL."""
    if settings.SAML_IDP_METADATA_FILE:
        return Path(settings.SAML_IDP_METADATA_FILE).read_text()
    url = settings.SAML_IDP_METADATA_URL
    cached = _fetched.get(url)
    if cached and time.monotonic() - cached[0] < METADATA_SECONDS:
        return cached[1]
    response = requests.get(url, timeout=settings.SAML_TIMEOUT)
    response.raise_for_status()
    _fetched[url] = (time.monotonic(), response.text)
    return response.text


def sp_config(request: HttpRequest | None = None, *, with_idp: bool = True) -> SPConfig:
    """pysaml2's configuration, built from settings (djangosaml2's SAML_CONFIG_LOADER)."""
    sp: dict[str, Any] = {
        "name": settings.SAML_SP_NAME,
        "endpoints": {"assertion_consumer_service": [(acs_url(), saml2.BINDING_HTTP_POST)]},
        "allow_unsolicited": False,  # every answer must match a request this browser started
        "want_assertions_signed": True,
        "want_response_signed": False,  # Entra ID signs the assertion only, by default
        "authn_requests_signed": bool(settings.SAML_SP_KEY_FILE),
        "name_id_format": NAMEID_FORMAT_UNSPECIFIED,
        "name_id_format_allow_create": True,
    }
    config: dict[str, Any] = {
        "entityid": entity_id(),
        "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
        "allow_unknown_attributes": True,
        "accepted_time_diff": settings.SAML_CLOCK_SKEW_SECONDS,
        "service": {"sp": sp},
    }
    if with_idp:
        config["metadata"] = {"inline": [idp_metadata()]}
    if settings.SAML_SP_KEY_FILE:
        # Our own key: AuthnRequests are signed, and assertions encrypted to our certificate are accepted.
        config["key_file"] = settings.SAML_SP_KEY_FILE
        config["cert_file"] = settings.SAML_SP_CERT_FILE
        keypair = {"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}
        config["encryption_keypairs"] = [keypair]
    loaded = SPConfig()
    loaded.load(config)
    return loaded


def _require_configured() -> None:
    if not is_configured():
        raise Http404("SAML sign-in is not configured.")


def claim_assertion(*, issuer: str, assertion_id: str, not_on_or_after: object) -> bool:
    """True the first time an assertion is seen; it is remembered until it expires (plus the clock skew)."""
    key = "sso:saml:assertion:" + hashlib.sha256(f"{issuer}\n{assertion_id}".encode()).hexdigest()
    seconds = 3600
    if isinstance(not_on_or_after, int | float) and not_on_or_after > 0:
        seconds = int(not_on_or_after - datetime.now(UTC).timestamp())
    return cache.add(key, 1, timeout=min(max(seconds, 0) + settings.SAML_CLOCK_SKEW_SECONDS + 60, 86400))


class Refused(PermissionDenied):
    """A refusal with the sentence the person reads."""


class SamlBackend(SessionUserMixin, BaseBackend):
    """Turns a verified assertion into the account, through the one sign-in rule (`sso_sign_in`)."""

    def authenticate(self, request, session_info: dict | None = None, **kwargs):
        if session_info is None or not is_configured():
            return None
        attributes = {name.lower(): values for name, values in (session_info.get("ava") or {}).items()}

        def first(name: str) -> str:
            values = attributes.get(name.lower()) or [""]
            return str(values[0])

        name_id = session_info.get("name_id")
        email = first(settings.SAML_EMAIL_ATTRIBUTE) if settings.SAML_EMAIL_ATTRIBUTE else ""
        email = email or str(getattr(name_id, "text", "") or "")
        groups = attributes.get(settings.SAML_GROUPS_ATTRIBUTE.lower()) if settings.SAML_GROUPS_ATTRIBUTE else None
        return sso_sign_in(email=email, name=first(settings.SAML_NAME_ATTRIBUTE), groups=groups, method="saml")


class SignInView(saml_views.LoginView):
    """Sends the browser to the IdP with an AuthnRequest (HTTP-Redirect binding: no page, no script of ours)."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require_configured()
        try:
            return super().get(request, *args, **kwargs)
        except UNREACHABLE:
            logger.exception("SAML sign-in could not start")
            messages.error(request, UNAVAILABLE)
            return redirect("login")


class AcsView(saml_views.AssertionConsumerServiceView):
    """The IdP's answer. Anything it cannot accept goes back to the login page with the reason, never a 500."""

    refusal = ""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _require_configured()
        if not isinstance(request.POST.get("SAMLResponse"), str) or not request.POST["SAMLResponse"].strip():
            return self._refuse("The identity provider's answer is missing: please sign in again.")
        try:
            return super().post(request, *args, **kwargs)
        except UNREACHABLE:  # the IdP's metadata (our configuration), not the answer, is at fault
            logger.exception("SAML answer could not be checked")
            return self._refuse(UNAVAILABLE)

    def custom_validation(self, response) -> None:
        assertion = response.assertion
        audiences = [
            (audience.text or "").strip()
            for restriction in (assertion.conditions.audience_restriction if assertion.conditions else [])
            for audience in restriction.audience
        ]
        if entity_id() not in audiences:
            self.refusal = "The identity provider's answer was issued for another application."
            raise Refused(self.refusal)
        bearer = [sc for sc in assertion.subject.subject_confirmation if sc.method == SCM_BEARER]
        recipients = [sc.subject_confirmation_data.recipient for sc in bearer if sc.subject_confirmation_data]
        if acs_url() not in recipients:
            self.refusal = "The identity provider's answer was sent to another address."
            raise Refused(self.refusal)
        if not claim_assertion(
            issuer=response.issuer(), assertion_id=assertion.id, not_on_or_after=response.not_on_or_after
        ):
            self.refusal = REPLAYED
            raise Refused(self.refusal)

    def authenticate_user(self, request, session_info, *args, **kwargs):
        try:
            user = super().authenticate_user(request, session_info, *args, **kwargs)
        except SignInRefused as refusal:
            raise Refused(refusal.message) from None
        record("auth.login", actor=user, detail={"method": "saml"})
        return user

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs) -> HttpResponse:
        return self._refuse(self.refusal or _reason(exception))

    def _refuse(self, message: str) -> HttpResponse:
        record("auth.login_failed", detail={"method": "saml", "reason": message[:120]})
        messages.error(self.request, message)
        return redirect("login")


def _reason(exception: object) -> str:
    """What a person reads for what the library refused."""
    if isinstance(exception, Refused):
        return str(exception)
    if isinstance(exception, UnsolicitedResponse):
        return REPLAYED
    if isinstance(exception, ResponseLifetimeExceed):
        return "The identity provider's sign-in has expired: please sign in again."
    if isinstance(exception, ToEarly):
        return "The identity provider's sign-in is not valid yet: check the server clocks."
    if isinstance(exception, StatusError):
        return "The sign-in was not completed at the identity provider."
    if isinstance(exception, SignatureError | SigverError):
        return UNVERIFIED
    if "AudienceRestriction" in str(exception):
        return "The identity provider's answer was issued for another application."
    return UNVERIFIED


def metadata(request: HttpRequest) -> HttpResponse:
    """Our SP metadata (entity id, ACS, and our certificate when we have one): what the IdP is given."""
    _require_configured()
    document = entity_descriptor(sp_config(with_idp=False))
    return HttpResponse(str(document).encode(), content_type="application/samlmetadata+xml; charset=utf-8")
