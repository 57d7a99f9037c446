"""Passkeys (WebAuthn, with py_webauthn) as a second factor for password accounts.

A ceremony is two requests: the server makes a random challenge and keeps it in the session,
the browser's authenticator signs it, the server checks the signature, the origin and the
relying party id against this site. The challenge is taken out of the session when it is
checked, so a signed answer cannot be replayed, and a challenge older than CHALLENGE_SECONDS
is refused. The relying party is this site's host as Django validated it (ALLOWED_HOSTS), or
WEBAUTHN_RP_ID when set (e.g. a parent domain).
"""

import base64
import json
import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from apps.audit.services import record
from apps.core.errors import Forbidden, Invalid, NotFound

from .models import Passkey, User

CHALLENGE_KEY = "passkey_challenge"
CHALLENGE_SECONDS = 120
MAX_PASSKEYS = 10


def relying_party(request: HttpRequest) -> tuple[str, str]:
    """(rp id, expected origin) for this request."""
    host = request.get_host()
    rp_id = settings.WEBAUTHN_RP_ID or host.rsplit(":", 1)[0].strip("[]")
    return rp_id, f"{request.scheme}://{host}"


def _remember(session: SessionBase, purpose: str, challenge: bytes, user_id: int) -> None:
    session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": base64.b64encode(challenge).decode(),
        "user_id": user_id,
        "since": time.time(),
    }


def _take_challenge(session: SessionBase, purpose: str, user_id: int) -> bytes:
    """The challenge of the ceremony in progress, used up by this call (a replay finds none)."""
    kept = session.pop(CHALLENGE_KEY, None)
    if (
        not isinstance(kept, dict)
        or kept.get("purpose") != purpose
        or kept.get("user_id") != user_id
        or time.time() - float(kept.get("since", 0)) > CHALLENGE_SECONDS
    ):
        raise Invalid("no_challenge", "This passkey request has expired or was already used: try again.")
    return base64.b64decode(kept["challenge"])


def _credential(raw: Any) -> dict:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("response"), dict):
        raise Invalid("bad_credential", "The passkey's answer is not a WebAuthn credential.")
    return raw


def registration_options(*, acting_user: User, request: HttpRequest) -> str:
    """The options for `navigator.credentials.create()`, as JSON; existing keys are excluded."""
    rp_id, _ = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name="Intranet",
        user_id=str(acting_user.pk).encode(),
        user_name=acting_user.email,
        user_display_name=acting_user.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(key))
            for key in acting_user.passkeys.values_list("credential_id", flat=True)
        ],
    )
    _remember(request.session, "register", options.challenge, acting_user.pk)
    return options_to_json(options)


@transaction.atomic
def passkey_register(
    *, acting_user: User, request: HttpRequest, credential: Any, name: str
) -> tuple[Passkey, list[str]]:
    """Check the authenticator's answer and keep the key. Returns it, and new recovery codes when the
    person had none (a lost key must not lock them out)."""
    from .two_factor import _new_recovery_codes, methods_of

    challenge = _take_challenge(request.session, "register", acting_user.pk)
    if acting_user.passkeys.count() >= MAX_PASSKEYS:
        raise Invalid("too_many", f"At most {MAX_PASSKEYS} passkeys per person.")
    rp_id, origin = relying_party(request)
    try:
        verified = verify_registration_response(
            credential=_credential(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except InvalidRegistrationResponse as refusal:
        raise Invalid("bad_credential", f"The passkey could not be registered: {refusal}") from None
    if Passkey.objects.filter(credential_id=verified.credential_id).exists():
        raise Invalid("already_registered", "This passkey is already registered.")
    had = methods_of(acting_user)
    passkey = Passkey.objects.create(
        user=acting_user,
        name=(name or "").strip()[:80] or "Passkey",
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    codes = [] if "recovery_codes" in had else _new_recovery_codes(acting_user)
    record("auth.passkey_added", actor=acting_user, target=acting_user, detail={"passkey_id": passkey.pk})
    if not had:
        record("auth.2fa_enabled", actor=acting_user, target=acting_user, detail={"method": "passkey"})
    return passkey, codes


def authentication_options(*, user: User, request: HttpRequest) -> str:
    """The options for `navigator.credentials.get()` for the person between the password and the second step."""
    rp_id, _ = relying_party(request)
    keys = [bytes(key) for key in user.passkeys.values_list("credential_id", flat=True)]
    if not keys:
        raise NotFound("no_passkey", "You have no passkey.")
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=key) for key in keys],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _remember(request.session, "login", options.challenge, user.pk)
    return options_to_json(options)


def passkey_verify(*, user: User, request: HttpRequest, credential: Any) -> Passkey:
    """The passkey that signed this session's challenge, or Invalid (recorded as a refused passkey sign-in;
    no transaction around it, so the refusal's entry is kept)."""
    try:
        challenge = _take_challenge(request.session, "login", user.pk)
        data = _credential(credential)
        passkey = _own_passkey(user, data)
        rp_id, origin = relying_party(request)
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (Invalid, InvalidAuthenticationResponse) as refusal:
        reason = refusal.code if isinstance(refusal, Invalid) else "bad_signature"
        record("auth.passkey_failed", actor_email=user.email, target=user, detail={"reason": reason})
        if isinstance(refusal, Invalid):
            raise
        raise Invalid("bad_credential", "The passkey's answer was refused.") from None
    Passkey.objects.filter(pk=passkey.pk).update(sign_count=verified.new_sign_count, last_used_at=timezone.now())
    return passkey


def _own_passkey(user: User, data: dict) -> Passkey:
    try:
        raw_id = base64.urlsafe_b64decode(data["id"] + "=" * (-len(data["id"]) % 4))
    except ValueError:
        raise Invalid("bad_credential", "The passkey's id is not base64url.") from None
    passkey = Passkey.objects.filter(user=user, credential_id=raw_id).first()
    if passkey is None:
        raise Invalid("unknown_passkey", "This passkey is not registered for your account.")
    return passkey


@transaction.atomic
def passkey_remove(*, acting_user: User, passkey_id: int) -> None:
    """Remove one of one's own passkeys; not the last second factor where the company requires one."""
    from .two_factor import has_totp, is_required_for

    passkey = Passkey.objects.filter(pk=passkey_id, user=acting_user).first()
    if passkey is None:
        raise NotFound("not_found", "No such passkey.")
    others = Passkey.objects.filter(user=acting_user).exclude(pk=passkey.pk).exists()
    if is_required_for(acting_user) and not others and not has_totp(acting_user):
        raise Forbidden(
            "two_factor_required", "Two-factor login is required: keep this passkey or set up the app first."
        )
    passkey.delete()
    record("auth.passkey_removed", actor=acting_user, target=acting_user, detail={"passkey_id": passkey_id})


def passkeys_remove_all(*, user: User) -> int:
    """For an admin's reset and for turning two-factor login off (the caller records why)."""
    removed, _ = Passkey.objects.filter(user=user).delete()
    return removed
