"""The passkey journey in headless Chromium with its virtual authenticator (DevTools protocol: WebAuthn.enable,
WebAuthn.addVirtualAuthenticator): add a passkey on the settings page, log out, log in with the password
and the passkey, remove it. The site is opened as http://localhost (a relying party cannot be an IP)."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Passkey
from apps.audit.models import AuditEvent
from tests.browser import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def localhost_page(browser, live_site):
    context = browser.new_context(base_url=live_site.url.replace("127.0.0.1", "localhost"))
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})  # fmt: skip
    yield page, devtools, authenticator["authenticatorId"]
    context.close()


def test_a_person_adds_a_passkey_logs_in_with_it_and_removes_it(localhost_page):
    page, devtools, authenticator_id = localhost_page
    person = UserFactory(email="pat@example.com", display_name="Pat")
    page.goto("/accounts/login/")
    log_in(page, person.email)
    page.goto("/accounts/two-factor/")
    page.get_by_label("Name of the new passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("button", name="Remove Work laptop")).to_be_visible()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    assert len(devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1

    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    page.goto("/accounts/login/")
    log_in(page, person.email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert AuditEvent.objects.filter(actor_id=person.pk, detail__method="password+passkey").exists()

    page.goto("/accounts/two-factor/")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove Work laptop").click()
    expect(page.get_by_text("The passkey is removed.")).to_be_visible()
    assert not Passkey.objects.filter(user=person).exists()
