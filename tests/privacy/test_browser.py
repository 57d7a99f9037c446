"""A plain member exports their data in headless Chromium against a live daphne: they ask for it, the
page shows progress while the worker builds it, the download link appears without a reload (the
page polls), and the ZIP that downloads holds their words."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from apps.accounts.services import user_create
from apps.departments.services import department_create, membership_set
from apps.feed.services import post_create
from apps.privacy.models import DataExport
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]


def test_a_member_asks_for_their_export_watches_it_being_built_and_downloads_it(live_site, new_page, run_worker):
    sales = department_create(acting_user=None, name="Sales")
    mia = user_create(acting_user=None, email="mia@example.com", display_name="Mia Member", password=PASSWORD)
    membership_set(acting_user=None, department=sales, user=mia)
    carl = user_create(acting_user=None, email="carl@example.com", display_name="Carl Colleague", password=PASSWORD)
    membership_set(acting_user=None, department=sales, user=carl)
    post_create(acting_user=mia, department=sales, body="MIA-POST about pricing")
    post_create(acting_user=carl, department=sales, body="CARL-POST secret plans")

    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/accounts/login/?next=/")
    log_in(page, "mia@example.com")
    page.get_by_role("link", name="Your data").click()
    page.get_by_role("button", name="Prepare my export").click()
    state = page.locator("[data-export-state]")
    expect(state).to_have_text("being prepared…")  # the worker has not run yet
    assert DataExport.objects.get().status == DataExport.Status.PENDING
    page.evaluate("window.notReloaded = true")

    run_worker()  # builds the ZIP; the page finds out by polling, with no reload
    link = state.get_by_role("link", name="Download")
    expect(link).to_be_visible(timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    with page.expect_download() as download:
        link.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = set(archive.namelist())
        posts = json.loads(archive.read("posts.json"))
        profile = json.loads(archive.read("profile.json"))
        everything = "".join(archive.read(name).decode() for name in names)
    assert {"profile.json", "posts.json", "messages.json", "files.json", "README.txt"} <= names
    assert [p["body"] for p in posts] == ["MIA-POST about pricing"] and profile["email"] == "mia@example.com"
    assert "CARL" not in everything  # nobody else's words
    assert download.value.suggested_filename == f"my-intranet-data-{DataExport.objects.get().pk}.zip"
    assert not errors
