"""Writes on accounts: creating, inviting and deactivating company users."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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

from apps.people.models import Profile

from .models import User

logger = logging.getLogger(__name__)


def user_group_name(user_id: int) -> str:
    """The channel-layer group every open WebSocket of a user joins."""
    return f"user.{user_id}"


def session_group_name(session_key: str) -> str:
    """The channel-layer group of the WebSockets opened by one browser session."""
    return f"session.{session_key}"


def _disconnect_group(group: str, reason: str) -> None:
    """Best effort: the session or account has already ended, so an unreachable channel layer must not fail
    the request; those sockets are refused on their next connect anyway."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "user.disconnect", "reason": reason})
    except Exception:
        logger.warning("could not close the sockets of %s", group, exc_info=True)


def close_session_sockets(session_key: str) -> None:
    _disconnect_group(session_group_name(session_key), "logout")


def validate_company_email(email: str) -> str:
    """Normalise the address and check it belongs to an allowed company domain."""
    email = (email or "").strip().lower()
    validate_email(email)
    domains = settings.COMPANY_EMAIL_DOMAINS
    if domains and email.rsplit("@", 1)[-1] not in domains:
        raise ValidationError(
            f"Only company addresses can have an account ({', '.join('@' + d for d in domains)}).",
            code="email_domain",
        )
    return email


@transaction.atomic
def user_create(
    *,
    email: str,
    display_name: str = "",
    password: str | None = None,
    is_staff: bool = False,
    job_title: str = "",
) -> User:
    """Create a user and their profile. Without a password, the account waits for an invitation."""
    email = validate_company_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "A user with this e-mail address already exists."}, code="duplicate")
    user = User.objects.create_user(email, password, is_staff=is_staff)
    Profile.objects.create(user=user, display_name=display_name.strip() or email.split("@")[0], job_title=job_title)
    return user


def user_invite(*, user: User, base_url: str) -> None:
    """E-mail a link to choose a password, valid for PASSWORD_RESET_TIMEOUT (3 days).

    Django's reset form only mails users who already have a usable password, so the
    invitation builds the same one-time link itself.
    """
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


def _close_user_sockets(user_id: int) -> None:
    _disconnect_group(user_group_name(user_id), "deactivated")


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Deactivate and end everything the user holds: sessions, API tokens and open WebSockets."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    Token.objects.filter(user=user).delete()
    _delete_sessions_of(user)
    transaction.on_commit(lambda: _close_user_sockets(user.pk))


def user_reactivate(*, user: User) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])


def _delete_sessions_of(user: User) -> None:
    # Sessions are not indexed by user in Django's DB backend. An inactive user's
    # session is already refused by the auth backend on the next request; this
    # removes the rows so a later reactivation does not revive them.
    user_id = str(user.pk)
    stale = [
        session.session_key
        for session in Session.objects.iterator(chunk_size=2000)
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(session_key__in=stale).delete()
