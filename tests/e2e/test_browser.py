"""What a person sees in a real browser, against a real daphne server."""

import io
import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from playwright.sync_api import ConsoleMessage, Locator, Page, Response, expect

from apps.accounts.services import user_create
from apps.departments.services import department_create, membership_set
from apps.people.services import profile_set_photo, profile_update
from tests.browser import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]

SCREENSHOT = "/tmp/e2e-department.png"
CSP_CONSOLE_MESSAGE = re.compile(r"Content Security Policy|Refused to")


def picture(fmt: str, colour: str = "#2f6f9f", size: tuple[int, int] = (320, 240)) -> bytes:
    """A small generated picture: a coloured background with a lighter disc, like a portrait."""
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).ellipse((size[0] // 4, size[1] // 6, size[0] * 3 // 4, size[1] * 5 // 6), fill="#f2d3b3")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def sales_team(live_site) -> SimpleNamespace:
    """Sales with two members, Bob and Carol (who has a title, a Markdown bio and a photo); Legal without Bob."""
    sales = department_create(
        acting_user=None, name="Sales", description="We sell the product.", mission="Win customers **fairly**."
    )
    legal = department_create(acting_user=None, name="Legal", description="Contracts and compliance.")
    bob = user_create(
        acting_user=None, email="bob@example.com", display_name="Bob Baker", password=PASSWORD, job_title="Sales Rep"
    )
    carol = user_create(
        acting_user=None,
        email="carol@example.com",
        display_name="Carol Cruz",
        password=PASSWORD,
        job_title="Key Account Manager",
    )
    profile_update(acting_user=None, profile=carol.profile, bio="Ask me about **pricing** and discounts.")
    profile_set_photo(
        acting_user=None,
        profile=carol.profile,
        upload=SimpleUploadedFile("carol.png", picture("PNG"), content_type="image/png"),
    )
    membership_set(acting_user=None, department=sales, user=bob, role="member")
    membership_set(acting_user=None, department=sales, user=carol, role="member")
    return SimpleNamespace(sales=sales, legal=legal, bob=bob, carol=carol)


@pytest.fixture
def admin(live_site):
    return user_create(
        acting_user=None, email="ada@example.com", display_name="Ada Admin", password=PASSWORD, is_staff=True
    )


def visit(page: Page, path: str, **options) -> Response:
    response = page.goto(path, **options)
    assert response is not None, f"no response for {path}"
    return response


def expect_image_loaded(image: Locator) -> None:
    """The image is displayed and its bytes decoded (a broken image is `complete` with naturalWidth 0)."""
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0, f"image did not load: {image.get_attribute('src')}"


def test_member_logs_in_and_reads_a_colleagues_bio(page, live_site, sales_team):
    page.goto("/departments/sales/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)departments(/|%2F)sales(/|%2F)$"))

    log_in(page, "bob@example.com")

    expect(page).to_have_url(f"{live_site.url}/departments/sales/")
    expect(page.get_by_role("heading", level=1, name="Sales")).to_be_visible()
    carol = page.locator(".person-card").filter(has_text="Carol Cruz")
    expect(carol.get_by_role("link", name="Carol Cruz")).to_be_visible()
    expect(carol.get_by_text("Key Account Manager")).to_be_visible()
    expect(carol.locator(".bio strong")).to_have_text("pricing")
    expect_image_loaded(carol.locator("img.avatar"))
    page.screenshot(path=SCREENSHOT, full_page=True)

    response = visit(page, "/departments/legal/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


# Every main page, as an admin (who may open all of them) sees it.
MAIN_PAGES = [
    "/",
    "/departments/",
    "/departments/sales/",
    "/departments/sales/members/",
    "/departments/sales/edit/",
    "/people/",
    "/people/?q=carol",
    "/people/{carol_id}/",
    "/people/me/edit/",
    "/people/org-chart/",
    "/accounts/password/change/",
    "/feed/d/sales/",
    "/feed/d/sales/announcements/",
    "/feed/d/sales/calendar/",
    "/notifications/",
    "/notifications/settings/",
]


class BrowserWatch:
    """Records the requests (and WebSockets) a page opens, and the CSP violations the browser reports."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.csp_violations: list[str] = []
        page.context.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda websocket: self.requests.append(websocket.url))  # not "request" events
        page.context.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if CSP_CONSOLE_MESSAGE.search(message.text):
            self.csp_violations.append(message.text)

    def foreign_requests(self) -> list[str]:
        websocket_origin = self.origin.replace("http", "ws", 1)
        local = (self.origin + "/", websocket_origin + "/", "data:", "blob:", "about:")
        return [url for url in self.requests if not url.startswith(local)]

    def clear(self) -> None:
        self.requests.clear()
        self.csp_violations.clear()


def expect_self_contained_page(
    page: Page, watch: BrowserWatch, path: str, *, heading: str | None = None, level: int = 1, timeout_ms: float = 5_000
) -> None:
    """The page renders (shows a heading), sends a `'self'` CSP, loads nothing from elsewhere, violates nothing."""
    watch.clear()
    # networkidle: also wait for what the page's scripts fetch once it has loaded.
    response = visit(page, path, wait_until="networkidle")
    assert response.status == 200, f"{path} answered {response.status}"
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp, f"{path} has Content-Security-Policy {csp!r}"
    foreign = watch.foreign_requests()
    assert not foreign, f"{path} requested other origins:\n" + "\n".join(foreign)
    assert not watch.csp_violations, f"{path} violated the CSP:\n" + "\n".join(watch.csp_violations)
    expect(page.get_by_role("heading", level=level, name=heading).first).to_be_visible(timeout=timeout_ms)


def test_no_page_requests_a_non_local_url(page, live_site, sales_team, admin):
    # Department feeds are for members: the admin manages Sales so every page opens.
    membership_set(acting_user=None, department=sales_team.sales, user=admin, role="manager")
    watch = BrowserWatch(page, live_site.url)
    expect_self_contained_page(page, watch, "/accounts/login/", heading="Log in to the intranet")

    log_in(page, admin.email)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    for path in MAIN_PAGES:
        expect_self_contained_page(page, watch, path.format(carol_id=sales_team.carol.pk))


def test_api_docs_render_from_local_assets_within_the_csp(page, live_site, admin):
    watch = BrowserWatch(page, live_site.url)
    page.goto("/accounts/login/")
    log_in(page, admin.email)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Swagger UI draws its heading only after parsing the whole schema (~840 kB): over 5 s on a busy box.
    expect_self_contained_page(page, watch, "/api/docs/", heading="Intranet API", level=1, timeout_ms=20_000)


def test_profile_edit_and_photo_upload_in_the_browser(page, live_site, sales_team):
    bob = sales_team.bob
    page.goto("/accounts/login/?next=/people/me/edit/")
    log_in(page, bob.email)
    expect(page.get_by_role("heading", level=1, name="Edit profile")).to_be_visible()

    page.get_by_label("Job title").fill("Head of Inside Sales")
    page.get_by_label("Bio").fill("I run the *inside sales* team. Ask me about **renewals**.")
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(f"{live_site.url}/people/{bob.pk}/")
    expect(page.get_by_role("status").filter(has_text="Profile saved.")).to_be_visible()
    expect(page.locator(".profile-head .lead")).to_have_text("Head of Inside Sales")
    expect(page.locator(".bio em")).to_have_text("inside sales")
    expect(page.locator(".bio strong")).to_have_text("renewals")

    page.goto("/people/me/edit/")
    photo_input = page.locator("input[type=file][name=photo]")
    photo_input.set_input_files(files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": picture("JPEG")}])
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_role("status").filter(has_text="Photo updated.")).to_be_visible()

    page.goto(f"/people/{bob.pk}/")
    photo = page.get_by_role("img", name="Photo of Bob Baker")
    expect_image_loaded(photo)
    photo_url = photo.get_attribute("src")

    page.goto("/people/me/edit/")
    photo_input.set_input_files(
        files=[{"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": b"Not a picture, just some text.\n"}]
    )
    with page.expect_response(lambda response: response.request.method == "POST") as upload:
        page.get_by_role("button", name="Upload photo").click()
    assert upload.value.status == 400
    expect(page.get_by_role("alert").filter(has_text="The file is not an image")).to_be_visible()

    page.goto(f"/people/{bob.pk}/")
    expect(photo).to_have_attribute("src", photo_url)
    expect_image_loaded(photo)
