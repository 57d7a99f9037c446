"""Two-factor login for password accounts: TOTP (an authenticator app) with recovery codes,
on django-otp's devices.

The second factor is asked for before the session is logged in at all: the password step
only leaves a short-lived "pending" marker in the session (see `apps.accounts.views`), so
there is no half-logged-in state for a page or socket to trust, and nothing is added to the
queries of every later request. Codes are checked against one device at a time (a 6-digit
code against the TOTP device, anything else against the recovery codes), each device with
django-otp's throttling (a wait that doubles after each wrong code) and TOTP's refusal to
accept the same or an older time step twice (a code cannot be replayed).

Companies choose who must use it with `TWO_FACTOR_REQUIRED`: `none`, `admins` (staff) or `all`.
"""

from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import record
from apps.core.errors import Conflict, Forbidden, Invalid, RateLimited

from .models import User

RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def is_required_for(user: User) -> bool:
    policy = settings.TWO_FACTOR_REQUIRED
    return policy == "all" or (policy == "admins" and user.is_staff)


def is_enabled(user: User) -> bool:
    """A second factor is set up: an authenticator app or at least one passkey (either counts for
    TWO_FACTOR_REQUIRED)."""
    from .models import Passkey

    return has_totp(user) or Passkey.objects.filter(user=user).exists()


def has_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(*, acting_user: User) -> TOTPDevice:
    """The device being set up (a new secret each time setup starts over, until it is confirmed)."""
    if has_totp(acting_user):
        raise Conflict("already_enabled", "The authenticator app is already set up.")
    device = TOTPDevice.objects.filter(user=acting_user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=acting_user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def totp_confirm(*, acting_user: User, code: str) -> list[str]:
    """Turn two-factor login on once the app shows the right code; returns the recovery codes (shown once)."""
    device = pending_totp_device(acting_user=acting_user)
    if not _verified(acting_user, device, code):
        raise Invalid.field("code", "That code is not right: check the app and the device's clock.", code="bad_code")
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    codes = _new_recovery_codes(acting_user)
    record("auth.2fa_enabled", actor=acting_user, target=acting_user, detail={"method": "totp"})
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, acting_user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working); needs a current code from the app."""
    device = _confirmed_totp(acting_user)
    if not _verified(acting_user, device, code):
        raise Invalid.field("code", "That code is not right.", code="bad_code")
    codes = _new_recovery_codes(acting_user)
    record("auth.recovery_codes", actor=acting_user, target=acting_user)
    return codes


@transaction.atomic
def two_factor_disable(*, acting_user: User, code: str) -> None:
    """Turn it off (a current code or a recovery code proves it is the owner); refused where it is required."""
    if is_required_for(acting_user):
        raise Forbidden("two_factor_required", "Two-factor login is required for your account.")
    if verify(acting_user, code) is None:
        raise Invalid.field("code", "That code is not right.", code="bad_code")
    TOTPDevice.objects.filter(user=acting_user).delete()
    StaticDevice.objects.filter(user=acting_user).delete()
    from .passkeys import passkeys_remove_all

    passkeys_remove_all(user=acting_user)
    record("auth.2fa_disabled", actor=acting_user, target=acting_user)


@transaction.atomic
def two_factor_reset(*, acting_user: User, user: User) -> list[str]:
    """An admin removes someone's second factors (a lost phone or security key): they sign in with the
    password alone until they set it up again, which the company's TWO_FACTOR_REQUIRED then asks of them.
    Returns what was removed; the audit entry names the admin, the person and the methods."""
    if not (acting_user.is_active and acting_user.is_staff):
        raise Forbidden("forbidden", "Only admins reset another person's two-factor login.")
    removed = methods_of(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    from .passkeys import passkeys_remove_all  # passkeys are a second factor too

    passkeys_remove_all(user=user)
    if removed:
        record("auth.2fa_reset", actor=acting_user, target=user, before={"methods": removed}, after={"methods": []})
    return removed


def methods_of(user: User) -> list[str]:
    """The second factors a person has, by name, for the audit log and the settings page."""
    from .models import Passkey

    methods = []
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        methods.append("totp")
    if StaticDevice.objects.filter(user=user, token_set__isnull=False).exists():
        methods.append("recovery_codes")
    if Passkey.objects.filter(user=user).exists():
        methods.append("passkey")
    return methods


def verify(user: User, code: str) -> Device | None:
    """The device that accepts `code` (the app's 6 digits, or an unused recovery code), or None.

    Raises RateLimited while the device is throttled after wrong codes, so the person is told to wait.
    """
    code = "".join(str(code or "").split()).lower()[:32]
    if not code:
        return None
    if code.isdigit() and len(code) == 6:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    return device if _verified(user, device, code) else None


def _verified(user: User, device: Device, code: str) -> bool:
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise RateLimited("two_factor_throttled", "Too many wrong codes: wait a moment, then try again.", retry_after=5)
    return verify_token(user, device.persistent_id, "".join(str(code or "").split()).lower()[:32]) is not None


def _confirmed_totp(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise Conflict("not_enabled", "Two-factor login is not on.")
    return device


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
