"""Two-factor login and the audit log as an admin uses them, in Chromium against a live daphne:
turn on two-factor login by reading the key off the page and typing the code an app would show,
keep the recovery codes, log in again with the password and the code, then read the audit log
and filter it; every page without console errors or axe-core violations."""

import pytest
from playwright.sync_api import expect

from apps.accounts.services import user_create
from apps.departments.services import company_wide_department
from tests.accounts.test_two_factor import totp
from tests.browser import log_in
from tests.e2e.test_pages_are_clean import _axe_violations, _problems
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]


@pytest.fixture
def admin(live_site):
    company_wide_department()
    return user_create(acting_user=None, email="ada@example.com", display_name="Ada Admin", password=PASSWORD,
                       is_staff=True)  # fmt: skip


def test_an_admin_turns_on_two_factor_login_logs_in_with_a_code_and_reads_the_audit_log(admin, new_page):
    page = new_page()
    problems = _problems(page)
    page.goto("/accounts/login/")
    log_in(page, admin.email)
    page.goto("/accounts/two-factor/")
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert _axe_violations(page) == []
    secret = page.locator("[data-totp-secret]").inner_text()
    page.get_by_label("Code from the app").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    assert _axe_violations(page) == []

    page.get_by_role("button", name="Log out").click()
    page.goto("/accounts/login/")
    log_in(page, admin.email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(totp(secret, step_offset=1))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    rows = page.locator(".audit-table tbody tr")
    expect(rows.filter(has_text="Two-factor login turned on")).to_have_count(1)
    page.get_by_label("What").select_option("auth.login")
    page.get_by_role("button", name="Filter").click()
    expect(rows.filter(has_text="Signed in with a password")).to_have_count(2)
    expect(rows.filter(has_text="password+totp")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert _axe_violations(page) == []
    assert problems == []
