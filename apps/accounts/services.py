"""Writes on accounts: creating, inviting and deactivating company users.

Like every service, each takes the `acting_user` and authorises them itself: accounts are
provisioned by admins. `acting_user=None` is the system itself (a management command,
the worker, provisioning from the company directory), never a request.
"""

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from apps.audit.services import record
from apps.core.errors import Forbidden, Invalid
from apps.people.models import Profile
from apps.realtime.groups import session_group, user_group
from apps.realtime.publish import send_on_commit
from apps.realtime.rights import rights_changed

from .identity import SessionStore
from .models import User

DISCONNECT = "user.disconnect"  # the channel-layer event that closes a socket


def close_session_sockets(session_key: str) -> None:
    """Best effort: the session has already ended; its sockets are refused on their next connect anyway."""
    send_on_commit(session_group(session_key), {"type": DISCONNECT, "reason": "logout"})


def _require_admin(acting_user: User | None, what: str) -> None:
    if acting_user is not None and not (acting_user.is_active and acting_user.is_staff):
        raise Forbidden("forbidden", f"Only admins {what}.")


def validate_company_email(email: str) -> str:
    """Normalise the address and check it belongs to an allowed company domain."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid.field("email", "Enter a valid e-mail address.") from None
    domains = settings.COMPANY_EMAIL_DOMAINS
    if domains and email.rsplit("@", 1)[-1] not in domains:
        raise Invalid.field(
            "email",
            f"Only company addresses can have an account ({', '.join('@' + d for d in domains)}).",
            code="email_domain",
        )
    return email


@transaction.atomic
def user_create(
    *,
    acting_user: User | None,
    email: str,
    display_name: str = "",
    password: str | None = None,
    is_staff: bool = False,
    job_title: str = "",
) -> User:
    """Create a user and their profile. Without a password, the account waits for an invitation."""
    _require_admin(acting_user, "create accounts")
    email = validate_company_email(email)
    if User.objects.filter(email=email).exists():
        raise Invalid.field("email", "A user with this e-mail address already exists.", code="duplicate")
    user = User.objects.create_user(email, password, is_staff=is_staff)
    Profile.objects.create(user=user, display_name=display_name.strip() or email.split("@")[0], job_title=job_title)
    record("user.created", actor=acting_user, target=user, after={"email": email, "is_staff": is_staff})
    return user


def user_set_admin(*, acting_user: User | None, user: User, is_staff: bool) -> User:
    """Give or take the admin role (administering departments and people, not reading their content)."""
    _require_admin(acting_user, "change who is an admin")
    if acting_user is not None and user.pk == acting_user.pk and not is_staff:
        raise Forbidden("self", "You cannot take away your own admin role.")
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
        record(
            "user.admin_changed",
            actor=acting_user,
            target=user,
            before={"is_staff": not is_staff},
            after={"is_staff": is_staff},
        )
    return user


def user_invite(*, acting_user: User | None, user: User, base_url: str) -> None:
    """E-mail a link to choose a password, valid for PASSWORD_RESET_TIMEOUT (3 days).

    Django's reset form only mails users who already have a usable password, so the
    invitation builds the same one-time link itself.
    """
    _require_admin(acting_user, "send invitations")
    if not user.is_active:
        raise Invalid("deactivated", "This account is deactivated.")
    scheme, _, domain = base_url.partition("://")
    context = {
        "email": user.email,
        "domain": domain.rstrip("/"),
        "site_name": "Intranet",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": scheme or "https",
    }
    PasswordResetForm().send_mail(
        "registration/invitation_subject.txt",
        "registration/invitation_email.txt",
        context,
        settings.DEFAULT_FROM_EMAIL,
        user.email,
    )


@transaction.atomic
def user_deactivate(*, acting_user: User | None, user: User) -> None:
    """Deactivate and end everything the user holds: sessions, API tokens and open WebSockets."""
    _require_admin(acting_user, "deactivate accounts")
    if acting_user is not None and user.pk == acting_user.pk:
        raise Forbidden("self", "You cannot deactivate your own account.")
    was_active = user.is_active
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    record(
        "user.deactivated", actor=acting_user, target=user, before={"is_active": was_active}, after={"is_active": False}
    )
    # Even when already inactive (the admin site saves the flag first): end what is left.
    Token.objects.filter(user=user).delete()
    _end_sessions_of(user)
    rights_changed([user.pk])
    send_on_commit(user_group(user.pk), {"type": DISCONNECT, "reason": "deactivated"})


def user_reactivate(*, acting_user: User | None, user: User) -> None:
    _require_admin(acting_user, "reactivate accounts")
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        record(
            "user.reactivated", actor=acting_user, target=user, before={"is_active": False}, after={"is_active": True}
        )


def _end_sessions_of(user: User) -> None:
    # Sessions are not indexed by user in Django's DB backend. An inactive user's
    # session is already refused by the auth backend on the next request; this ends
    # them so that a later reactivation does not revive them. Through the session store:
    # deleting the rows alone would leave their cached copies valid (apps.accounts.identity).
    user_id = str(user.pk)
    stale = [
        session.session_key
        for session in Session.objects.iterator(chunk_size=2000)
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    SessionStore.end_sessions(stale)
