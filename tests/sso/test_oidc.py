"""OpenID Connect sign-in against a real provider (oidc-provider on loopback): the whole code flow with
PKCE, state and nonce, just-in-time accounts and departments from groups, and every refusal with its
message and no account created. Our side is Django's test client; the provider is real HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.test import Client

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.departments.models import Membership
from apps.sso import oidc
from apps.sso.models import GroupMapping
from apps.sso.services import SignInRefused
from tests.factories import DepartmentFactory, UserFactory
from tests.matrix import cases, check, expect, matrix

from .provider import CALLBACK, running_provider, sign_in_at_provider, wait_seconds

pytestmark = pytest.mark.django_db

ACCOUNTS = {
    "nina@example.com": {"email": "nina@example.com", "email_verified": True, "name": "Nina New",
                         "groups": ["grp-sales", "grp-everyone"]},
    "eve@elsewhere.test": {"email": "eve@elsewhere.test", "email_verified": True, "name": "Eve Outside"},
    "rita@example.com": {"email": "rita@example.com", "email_verified": True, "name": "Rita Retired"},
}  # fmt: skip
CLIENTS = ["intranet", "other-app", "intranet-short-lived"]


@pytest.fixture(scope="module")
def provider():
    with running_provider(ACCOUNTS, CLIENTS, [CALLBACK]) as running:
        yield running


@pytest.fixture
def sso(settings, provider):
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = "intranet"
    settings.OIDC_RP_CLIENT_SECRET = provider.clients["intranet"]
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_CLOCK_SKEW_SECONDS = 0
    settings.COMPANY_EMAIL_DOMAINS = ["example.com"]
    oidc._discovered.clear()
    return provider


def start(client: Client) -> str:
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"]
    assert query["state"] and query["client_id"] == ["intranet"]
    return response["Location"]


def come_back(client: Client, url: str):
    parts = urlsplit(url)
    return client.get(parts.path, parse_qs(parts.query))


def refusal(response) -> str:
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_login_page_offers_company_sign_in(sso):
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with your company account" in page and 'name="password"' in page


def test_first_sign_in_creates_the_account_and_its_departments_from_groups(sso):
    sales = DepartmentFactory(name="Sales")
    GroupMapping.objects.create(group="grp-sales", department=sales, role="manager")
    client = Client()
    back = sign_in_at_provider(start(client), "nina@example.com")
    response = come_back(client, back)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    nina = User.objects.get(email="nina@example.com")
    assert nina.display_name == "Nina New" and not nina.has_usable_password()
    assert Membership.objects.get(user=nina, department=sales).role == "manager"
    assert AuditEvent.objects.get(action="auth.login", actor_id=nina.pk).detail == {"method": "oidc"}


def test_membership_follows_the_groups_at_each_sign_in(sso):
    sales, hr = DepartmentFactory(name="Sales"), DepartmentFactory(name="HR")
    GroupMapping.objects.create(group="grp-sales", department=sales)
    GroupMapping.objects.create(group="grp-hr", department=hr)
    nina = UserFactory(email="nina@example.com")
    from tests.factories import add_member

    add_member(hr, nina)  # grp-hr is no longer among her groups
    client = Client()
    come_back(client, sign_in_at_provider(start(client), "nina@example.com"))
    assert set(Membership.objects.filter(user=nina).values_list("department__name", flat=True)) >= {"Sales"}
    assert not Membership.objects.filter(user=nina, department=hr).exists()


def test_a_state_cannot_be_replayed(sso):
    client = Client()
    back = sign_in_at_provider(start(client), "nina@example.com")
    assert come_back(client, back)["Location"] == "/"
    assert "already used" in refusal(come_back(client, back))  # the same session
    client.post("/accounts/logout/")
    assert "already used" in refusal(come_back(client, back))  # or another one
    assert "already used" in refusal(come_back(Client(), back))


def test_an_address_outside_the_company_domains_is_refused_and_no_account_is_made(sso):
    client = Client()
    message = refusal(come_back(client, sign_in_at_provider(start(client), "eve@elsewhere.test")))
    assert "not one of the company's domains" in message
    assert not User.objects.filter(email="eve@elsewhere.test").exists()
    assert client.get("/").status_code == 302


def test_with_provisioning_required_only_known_people_get_in(sso, settings):
    settings.SSO_REQUIRE_PROVISIONED = True
    client = Client()
    message = refusal(come_back(client, sign_in_at_provider(start(client), "nina@example.com")))
    assert "ask your administrator" in message and not User.objects.filter(email="nina@example.com").exists()
    UserFactory(email="nina@example.com")
    client = Client()
    assert come_back(client, sign_in_at_provider(start(client), "nina@example.com"))["Location"] == "/"


def test_a_deactivated_account_cannot_sign_in(sso):
    rita = UserFactory(email="rita@example.com")
    rita.is_active = False
    rita.save()
    client = Client()
    assert "deactivated" in refusal(come_back(client, sign_in_at_provider(start(client), "rita@example.com")))


def test_an_expired_id_token_is_refused(sso, settings, provider):
    settings.OIDC_RP_CLIENT_ID = "intranet-short-lived"
    settings.OIDC_RP_CLIENT_SECRET = provider.clients["intranet-short-lived"]
    client = Client()
    authorize = start_as(client, "intranet-short-lived")
    nonce = parse_qs(urlsplit(authorize).query)["nonce"][0]
    # The code is exchanged here rather than through our callback: the token lives one second,
    # and on a loaded machine it could expire before the callback had verified it.
    token = _exchange_code(client, authorize, sign_in_at_provider(authorize, "nina@example.com"), provider)
    wait_seconds(2.2)
    with pytest.raises(SignInRefused, match="expired"):
        _backend().verify_token(token, nonce=nonce)


def _exchange_code(client: Client, authorize: str, callback: str, provider) -> str:
    """The ID token for the code the provider sent back, asked for as our callback would."""
    sent, back = parse_qs(urlsplit(authorize).query), parse_qs(urlsplit(callback).query)
    state = back["state"][0]
    discovery = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10).json()
    answer = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": back["code"][0],
            "redirect_uri": sent["redirect_uri"][0],
            "client_id": sent["client_id"][0],
            "client_secret": provider.clients[sent["client_id"][0]],
            "code_verifier": client.session["oidc_states"][state]["code_verifier"],
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["id_token"]


def start_as(client: Client, client_id: str) -> str:
    response = client.get("/oidc/authenticate/")
    assert parse_qs(urlsplit(response["Location"]).query)["client_id"] == [client_id]
    return response["Location"]


@pytest.fixture
def real_id_token(sso, settings, provider) -> tuple[str, str]:
    """An ID token the provider signed for another application ("other-app"), and its nonce."""
    settings.OIDC_RP_CLIENT_ID = "other-app"
    settings.OIDC_RP_CLIENT_SECRET = provider.clients["other-app"]
    client = Client()
    authorize = start_as(client, "other-app")
    nonce = parse_qs(urlsplit(authorize).query)["nonce"][0]
    come_back(client, sign_in_at_provider(authorize, "nina@example.com"))
    token = client.session["oidc_id_token"]
    settings.OIDC_RP_CLIENT_ID = "intranet"
    settings.OIDC_RP_CLIENT_SECRET = provider.clients["intranet"]
    return token, nonce


def _backend() -> oidc.CompanyOIDCBackend:
    backend = oidc.CompanyOIDCBackend()
    backend._configure()
    return backend


def test_an_id_token_for_another_audience_is_refused(real_id_token):
    token, nonce = real_id_token
    with pytest.raises(SignInRefused, match="another application"):
        _backend().verify_token(token, nonce=nonce)


def test_a_tampered_id_token_is_refused(real_id_token):
    import base64
    import json

    token, nonce = real_id_token
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "ceo@example.com"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    from django.core.exceptions import SuspiciousOperation

    with pytest.raises((SuspiciousOperation, SignInRefused)):
        _backend().verify_token(f"{header}.{forged}.{signature}", nonce=nonce)


def test_a_wrong_nonce_is_refused(real_id_token, settings):
    token, _ = real_id_token
    settings.OIDC_RP_CLIENT_ID = "other-app"
    from django.core.exceptions import SuspiciousOperation

    with pytest.raises(SuspiciousOperation, match="Nonce"):
        _backend().verify_token(token, nonce="not-the-one-we-sent")


def test_logout_also_ends_the_provider_session(sso):
    client = Client()
    browser = requests.Session()
    come_back(client, sign_in_at_provider(start(client), "nina@example.com", browser=browser))
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"].startswith(f"{sso.issuer}/session/end?")
    assert "id_token_hint=" in response["Location"]
    assert client.get("/").status_code == 302
    confirm = browser.get(response["Location"], timeout=10)  # the provider accepts the hint and asks to confirm
    assert confirm.status_code == 200 and "logout" in confirm.text.lower()
    assert AuditEvent.objects.get(action="auth.logout").detail == {"provider_logout": True}


def test_sso_only_keeps_the_password_form_for_the_break_glass_admin(sso, settings, member, admin_user):
    from tests.factories import PASSWORD

    settings.SSO_ONLY = True
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with your company account" in page and 'name="password"' not in page
    assert 'name="password"' in Client().get("/accounts/login/?local=1").content.decode()
    refused = Client().post("/accounts/login/?local=1", {"username": member.email, "password": PASSWORD})
    assert refused.status_code == 200 and "Sign in with your company account" in refused.content.decode()
    admin = Client().post("/accounts/login/?local=1", {"username": admin_user.email, "password": PASSWORD})
    assert admin.status_code == 302


ROUTES = matrix(  # without OIDC_ISSUER, company sign-in does not exist for anyone
    ("get", "/oidc/authenticate/", None, expect(404, 404, 404, 404, 404)),
    ("get", "/oidc/callback/?code=x&state=y", None, expect(404, 404, 404, 404, 404)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    return {}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_without_configuration_the_sign_in_routes_do_not_exist(client_as, world, route, role):
    check(client_as, world, route, role)
