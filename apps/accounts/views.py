import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from apps.audit.services import record
from apps.core.errors import ServiceError

from . import two_factor
from .models import User
from .services import close_session_sockets

PENDING = "two_factor_pending"  # the session's marker between the password and the code
SETUP_REQUIRED = "two_factor_setup_required"  # set at login when the company requires 2FA and it is off
PENDING_SECONDS = 300
NEW_CODES = "two_factor_new_codes"  # recovery codes made with a first passkey, shown once on the next page


class LoginView(auth_views.LoginView):
    """Django's login form, with every success and failure in the audit log, and a second step for 2FA."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        from apps.sso import oidc, saml

        context = super().get_context_data(**kwargs)
        context["oidc_configured"] = oidc.is_configured()
        context["saml_configured"] = saml.is_configured()
        context["sso_configured"] = context["oidc_configured"] or context["saml_configured"]
        context["password_form_shown"] = not (settings.SSO_ONLY and context["sso_configured"]) or bool(
            self.request.GET.get("local") or self.request.method == "POST"
        )
        return context

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if settings.SSO_ONLY and not user.is_staff:
            # Only the break-glass admin keeps a password login; everyone else signs in with the company account.
            record("auth.login_failed", actor_email=user.email, detail={"method": "password", "reason": "sso_only"})
            form.add_error(None, "Sign in with your company account.")
            return super().form_invalid(form)
        if two_factor.is_enabled(user):
            # Not logged in yet: the session only remembers who passed the password step, briefly.
            self.request.session[PENDING] = {
                "user_id": user.pk,
                "backend": user.backend,
                "since": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("two_factor_verify")
        response = super().form_valid(form)
        record("auth.login", actor=user, detail={"method": "password"})
        if two_factor.is_required_for(user):
            self.request.session[SETUP_REQUIRED] = True
        return response

    def form_invalid(self, form) -> HttpResponse:
        email = str(form.data.get("username", "")).strip().lower()
        record("auth.login_failed", actor_email=email, detail={"method": "password"})
        return super().form_invalid(form)


def _pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("since", 0)) > PENDING_SECONDS:
        return None, {}
    return User.objects.filter(pk=pending.get("user_id"), is_active=True).first(), pending


@login_not_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a password login: a code from the app, or a recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.error(request, "Your sign-in took too long or was not started: log in again.")
        return redirect("login")
    error = ""
    status = 200
    if request.method == "POST":
        try:
            device = two_factor.verify(user, request.POST.get("code", ""))
        except ServiceError as refusal:
            device, error, status = None, refusal.detail, refusal.status
        if device is not None:
            method = "password+totp" if device.name == two_factor.TOTP_NAME else "password+recovery_code"
            return redirect(finish_second_step(request, user, pending, method=method))
        record("auth.2fa_failed", actor_email=user.email, target=user)
        error = error or "That code is not right. Try the current code from your app, or a recovery code."
        status = status if status != 200 else 400
    context = {"error": error, "has_passkey": user.passkeys.exists()}
    return render(request, "registration/two_factor_verify.html", context, status=status)


def finish_second_step(request: HttpRequest, user: User, pending: dict, *, method: str) -> str:
    """Log in the person who passed both steps; returns where to go next (a safe local URL)."""
    del request.session[PENDING]
    login(request, user, backend=pending["backend"])
    record("auth.login", actor=user, detail={"method": method})
    target = pending.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


def pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    """The person between the password and the second step (None once it took too long)."""
    return _pending_user(request)


@require_http_methods(["GET", "POST"])
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login on (scan, confirm, keep the recovery codes) or off; new recovery codes."""
    user = request.user
    context: dict = {
        "required": two_factor.is_required_for(user),
        "codes": request.session.pop(NEW_CODES, None),
        "errors": {},
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        code = request.POST.get("code", "")
        try:
            if action == "confirm":
                context["codes"] = two_factor.totp_confirm(acting_user=user, code=code)
                request.session.pop(SETUP_REQUIRED, None)
            elif action == "recovery":
                context["codes"] = two_factor.recovery_codes_regenerate(acting_user=user, code=code)
            elif action == "disable":
                two_factor.two_factor_disable(acting_user=user, code=code)
                messages.success(request, "Two-factor login is off.")
                return redirect("two_factor_settings")
        except ServiceError as refusal:
            context["errors"] = {action: refusal.detail}
    context["enabled"] = two_factor.has_totp(user)
    context["passkeys"] = list(user.passkeys.all())
    if not context["enabled"]:
        device = two_factor.pending_totp_device(acting_user=user)
        context["config_url"] = device.config_url
        context["secret"] = _spaced(device.config_url)
        context["qr_svg"] = _qr_svg(device.config_url)
    status = 400 if context["errors"] else 200
    return render(request, "registration/two_factor.html", context, status=status)


def _spaced(config_url: str) -> str:
    from urllib.parse import parse_qs, urlparse

    secret = parse_qs(urlparse(config_url).query)["secret"][0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr_svg(config_url: str) -> str:
    """An inline SVG (no image request, no script): the page's CSP stays 'self'."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(config_url, error="m").save(
        buffer, kind="svg", scale=4, xmldecl=False, svgns=True, title="QR code for your authenticator app"
    )
    return buffer.getvalue().decode()


class LogoutView(auth_views.LogoutView):
    """Log out, and close the WebSockets this browser session opened."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        from apps.sso.oidc import provider_logout_url

        session_key = request.session.session_key
        user = request.user if request.user.is_authenticated else None
        at_provider = provider_logout_url(request)  # RP-initiated logout, when signed in by the provider
        response = super().post(request, *args, **kwargs)
        if user is not None:
            record("auth.logout", actor=user, detail={"provider_logout": bool(at_provider)})
        if session_key:
            close_session_sockets(session_key)
        return redirect(at_provider) if at_provider else response


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        record("auth.password_changed", actor=self.request.user, target=self.request.user)
        return response
