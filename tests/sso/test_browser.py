"""Company sign-in as a person does it, in Chromium against a live daphne: OpenID Connect with the real
oidc-provider (its own login form, back to the intranet, logged in, then logout at both ends), and
SAML with the real pysaml2 IdP (its login form, the self-posting answer, logged in)."""

import pytest
import requests
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.departments.services import company_wide_department

from .provider import running_provider
from .saml_provider import running_idp

pytestmark = [pytest.mark.browser]

ACCOUNTS = {
    "olga@example.com": {"email": "olga@example.com", "email_verified": True, "name": "Olga Oidc"},
    "sam@example.com": {"email": "sam@example.com", "displayName": "Sam Saml"},
}


@pytest.fixture(scope="module")
def oidc_provider(daphne_port):
    with running_provider(ACCOUNTS, ["intranet"], [f"http://127.0.0.1:{daphne_port}/oidc/callback/"]) as running:
        yield running


@pytest.fixture(scope="module")
def saml_idp(tmp_path_factory):
    with running_idp(ACCOUNTS, tmp_path_factory.mktemp("saml-idp")) as running:
        yield running


@pytest.fixture(scope="module")
def daphne_env(daphne_port, oidc_provider, saml_idp) -> dict[str, str]:
    return {
        "SITE_URL": f"http://127.0.0.1:{daphne_port}",
        "COMPANY_EMAIL_DOMAINS": "example.com",
        "OIDC_ISSUER": oidc_provider.issuer,
        "OIDC_CLIENT_ID": "intranet",
        "OIDC_CLIENT_SECRET": oidc_provider.clients["intranet"],
        "SAML_IDP_METADATA_URL": saml_idp.metadata_url,
        "SAML_EMAIL_ATTRIBUTE": "email",
    }


@pytest.fixture
def site(live_site, saml_idp):
    company_wide_department()
    saml_idp.register(requests.get(f"{live_site.url}/saml2/metadata/", timeout=10).content)
    return live_site


def test_a_person_signs_in_with_openid_connect_and_out_again(site, page):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with your company account", exact=True).click()
    page.locator("input[name=login]").fill("olga@example.com")  # the provider's own login form
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name="Sign-in").click()
    expect(page.get_by_role("link", name="Olga Oidc")).to_be_visible(timeout=15_000)  # back, logged in
    assert page.url == f"{site.url}/"
    assert User.objects.get(email="olga@example.com").display_name == "Olga Oidc"

    page.get_by_role("button", name="Log out").click()  # ends ours, then the provider's session
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(f"{site.url}/accounts/login/", timeout=15_000)
    page.goto("/")
    expect(page).to_have_url(f"{site.url}/accounts/login/?next=/")


def test_a_person_signs_in_with_saml(site, page):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with your company account (SAML)").click()
    page.get_by_label("Username").fill("sam@example.com")  # the IdP's login form
    page.get_by_label("Password").fill("any")
    page.get_by_role("button", name="Sign in").click()  # its answer posts itself to our ACS
    expect(page.get_by_role("link", name="Sam Saml")).to_be_visible(timeout=15_000)
    assert page.url == f"{site.url}/"
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{site.url}/accounts/login/", timeout=15_000)
