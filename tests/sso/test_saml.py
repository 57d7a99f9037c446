"""SAML 2.0 sign-in against a real IdP (pysaml2's IdP in its own process on loopback, signing with xmlsec1):
SP-initiated login, JIT accounts and departments from groups through the same rule as OpenID Connect,
and every answer the SP must refuse (unsigned, altered, wrong audience, wrong recipient, replayed,
expired, foreign domain), each with its message, an audit entry and no account made."""

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.departments.models import Membership
from apps.sso import saml
from apps.sso.models import GroupMapping
from tests.factories import DepartmentFactory
from tests.matrix import cases, check, expect, matrix

from .saml_provider import running_idp, sign_in_at_idp

pytestmark = pytest.mark.django_db

ACCOUNTS = {
    "nina@example.com": {"email": "nina@example.com", "displayName": "Nina New", "groups": ["grp-sales", "grp-x"]},
    "eve@elsewhere.test": {"email": "eve@elsewhere.test", "displayName": "Eve Outside"},
}


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    with running_idp(ACCOUNTS, tmp_path_factory.mktemp("saml-idp")) as running:
        yield running


@pytest.fixture
def sso(settings, idp):
    settings.SITE_URL = "http://testserver"
    settings.SAML_IDP_METADATA_URL = idp.metadata_url
    settings.SAML_EMAIL_ATTRIBUTE = "email"
    settings.SAML_NAME_ATTRIBUTE = "displayName"
    settings.SAML_GROUPS_ATTRIBUTE = "groups"
    settings.SAML_CLOCK_SKEW_SECONDS = 0
    settings.COMPANY_EMAIL_DOMAINS = ["example.com"]
    saml._fetched.clear()
    metadata = Client().get("/saml2/metadata/")
    assert metadata.status_code == 200 and metadata["Content-Type"].startswith("application/samlmetadata+xml")
    idp.register(metadata.content)  # as an admin registers the intranet at the IdP
    idp.misbehave()
    return idp


def start(client: Client, next_url: str = "") -> str:
    response = client.get("/saml2/login/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:300]
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["SAMLRequest"]
    return response["Location"]


def answer(client: Client, login: str = "nina@example.com") -> dict[str, str]:
    action, fields = sign_in_at_idp(start(client), login)
    assert action == "http://testserver/saml2/acs/"
    return fields


def post(client: Client, fields: dict[str, str]):
    return client.post("/saml2/acs/", fields)


def refusal(response) -> str:
    assert response.status_code == 302 and response["Location"] == "/accounts/login/", response.content[:300]
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_first_sign_in_creates_the_account_and_its_departments_from_groups(sso):
    sales = DepartmentFactory(name="Sales")
    GroupMapping.objects.create(group="grp-sales", department=sales, role="manager")
    client = Client(enforce_csrf_checks=True)  # the IdP's POST carries no CSRF token of ours
    response = post(client, answer(client))
    assert response.status_code == 302 and response["Location"] == "/", response.content[:300]
    assert client.get("/").status_code == 200
    nina = User.objects.get(email="nina@example.com")
    assert nina.display_name == "Nina New" and not nina.has_usable_password()
    assert Membership.objects.get(user=nina, department=sales).role == "manager"
    assert AuditEvent.objects.get(action="auth.login", actor_id=nina.pk).detail == {"method": "saml"}


def test_the_login_page_offers_saml_sign_in(sso):
    page = Client().get("/accounts/login/").content.decode()
    assert 'href="/saml2/login/"' in page and "Sign in with your company account" in page


def test_the_sp_metadata_names_our_entity_id_and_acs(sso):
    document = Client().get("/saml2/metadata/").content.decode()
    assert 'entityID="http://testserver/saml2/metadata/"' in document
    assert 'Location="http://testserver/saml2/acs/"' in document and 'WantAssertionsSigned="true"' in document


def test_the_next_page_survives_the_round_trip(sso):
    client = Client()
    response = post(client, answer_for(client, next_url="/people/"))
    assert response.status_code == 302 and response["Location"] == "/people/"


def answer_for(client: Client, *, next_url: str) -> dict[str, str]:
    _, fields = sign_in_at_idp(start(client, next_url), "nina@example.com")
    return fields


@pytest.mark.parametrize(
    ("quirks", "message"),
    [
        ({"unsigned": True}, "could not be verified"),
        ({"altered": True}, "could not be verified"),
        ({"audience": "https://another-app.example/"}, "issued for another application"),
        ({"recipient": "https://another-app.example/saml/acs"}, "sent to another address"),
        ({"expired": True}, "has expired"),
    ],
    ids=["unsigned", "altered", "wrong-audience", "wrong-recipient", "expired"],
)
def test_an_answer_that_cannot_be_trusted_is_refused_and_no_account_is_made(sso, quirks, message):
    sso.misbehave(**quirks)
    client = Client()
    assert message in refusal(post(client, answer(client)))
    assert not User.objects.filter(email__in=["nina@example.com", "ceo@example.com"]).exists()
    assert client.get("/").status_code == 302
    failure = AuditEvent.objects.get(action="auth.login_failed")
    assert failure.detail["method"] == "saml" and message in failure.detail["reason"]


def test_an_answer_cannot_be_replayed(sso):
    client = Client()
    fields = answer(client)
    assert post(client, fields)["Location"] == "/"
    client.post("/accounts/logout/")
    assert "already used" in refusal(post(client, fields))  # the same browser
    other = Client()
    start(other)  # a login of its own is in flight there, but not the one this answer is for
    assert "already used" in refusal(post(other, fields))
    assert "already used" in refusal(post(Client(), fields))


def test_an_assertion_is_claimed_once_even_by_two_requests_in_flight(sso):
    """The library's one-answer-per-request rule reads, then deletes: two posts at once both read it."""
    claim = {"issuer": "http://idp.test/", "assertion_id": "id-123", "not_on_or_after": 0}
    assert saml.claim_assertion(**claim) is True
    assert saml.claim_assertion(**claim) is False
    assert saml.claim_assertion(**{**claim, "issuer": "http://other-idp.test/"}) is True


def test_an_address_outside_the_company_domains_is_refused_and_no_account_is_made(sso):
    client = Client()
    assert "not one of the company's domains" in refusal(post(client, answer(client, "eve@elsewhere.test")))
    assert not User.objects.filter(email="eve@elsewhere.test").exists()


@pytest.mark.parametrize("where", ["nothing-listens", "not-found", "not-metadata", "missing-file", "empty-file"])
def test_an_unreachable_or_broken_idp_is_a_message_not_an_error(sso, settings, tmp_path, where):
    settings.SAML_IDP_METADATA_URL = {
        "nothing-listens": "http://127.0.0.1:9/metadata",  # the discard port
        "not-found": f"{sso.url}/no-such-page",
        "not-metadata": f"{sso.url}/sso/redirect",  # an HTML error page, 400
    }.get(where, "")
    if where.endswith("-file"):
        (tmp_path / "empty.xml").write_text("<html>not metadata</html>")
        settings.SAML_IDP_METADATA_FILE = str(tmp_path / ("empty.xml" if where == "empty-file" else "absent.xml"))
    assert "unavailable" in refusal(Client().get("/saml2/login/"))
    assert refusal(Client().post("/saml2/acs/", {"SAMLResponse": "PD94bWw+"}))  # unavailable, or unverifiable


BOMB = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><samlp:Response>&lol3;</samlp:Response>"""
XXE = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ACS_INPUTS = {
    "nothing": {},
    "empty": {"SAMLResponse": ""},
    "not-base64": {"SAMLResponse": "%%% not base64 ***"},
    "base64-not-xml": {"SAMLResponse": b64("hello, world")},
    "binary": {"SAMLResponse": base64.b64encode(bytes(range(256))).decode()},
    "malformed-xml": {"SAMLResponse": b64("<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'><")},
    "xml-bomb": {"SAMLResponse": b64(BOMB)},
    "external-entity": {"SAMLResponse": b64(XXE)},
    "deep-nesting": {"SAMLResponse": b64("<a>" * 5000 + "</a>" * 5000)},
    "foreign-root": {"SAMLResponse": b64("<html><body>hi</body></html>")},
    "unsolicited-unsigned": {
        "SAMLResponse": b64(
            '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0" '
            'IssueInstant="2026-01-01T00:00:00Z" InResponseTo="id-nope"><samlp:Status><samlp:StatusCode '
            'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>'
        )
    },
    "idp-error-status": {
        "SAMLResponse": b64(
            '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0" '
            'IssueInstant="2026-01-01T00:00:00Z"><samlp:Status><samlp:StatusCode '
            'Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/></samlp:Status></samlp:Response>'
        )
    },
    "huge": {"SAMLResponse": "A" * (3 * 1024 * 1024)},
    "nul": {"SAMLResponse": "PD94\x00bWw+"},
    "two-values": {"SAMLResponse": [b64("<a/>"), b64("<b/>")]},
    "relay-state-elsewhere": {"SAMLResponse": b64("<a/>"), "RelayState": "https://evil.example/"},
}


@pytest.mark.parametrize("fields", ACS_INPUTS.values(), ids=ACS_INPUTS.keys())
def test_no_input_to_the_acs_is_a_server_error(sso, fields):
    client = Client()
    start(client)  # a login in flight, so the answer is not refused only for being unsolicited
    response = client.post("/saml2/acs/", fields)
    assert response.status_code in (302, 400, 413), (response.status_code, response.content[:300])
    if response.status_code == 302:
        assert response["Location"] == "/accounts/login/" and refusal(response)
    assert not User.objects.exists() and client.get("/").status_code == 302


def test_garbage_as_json_or_get_is_refused_too(sso):
    client = Client()
    assert client.post("/saml2/acs/", b"{]", content_type="application/json").status_code in (302, 400)
    assert client.get("/saml2/acs/").status_code == 405


ROUTES = matrix(  # without the IdP's metadata, SAML sign-in does not exist for anyone
    ("get", "/saml2/login/", None, expect(404, 404, 404, 404, 404)),
    ("post", "/saml2/acs/", {"SAMLResponse": "x"}, expect(404, 404, 404, 404, 404)),
    ("get", "/saml2/metadata/", None, expect(404, 404, 404, 404, 404)),
)  # fmt: skip


@pytest.fixture
def world(member, manager, outsider, admin_user):
    return {}


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_without_configuration_the_saml_routes_do_not_exist(client_as, world, route, role):
    check(client_as, world, route, role)


def test_sso_only_and_provisioning_required_apply_to_saml_too(sso, settings):
    settings.SSO_ONLY = True
    settings.SSO_REQUIRE_PROVISIONED = True
    page = Client().get("/accounts/login/").content.decode()
    assert 'href="/saml2/login/"' in page and 'name="password"' not in page
    client = Client()
    assert "ask your administrator" in refusal(post(client, answer(client)))
    assert not User.objects.filter(email="nina@example.com").exists()
