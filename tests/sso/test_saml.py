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
from tests.factories import DepartmentFactory, UserFactory
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
    client = Client()
    response = post(client, answer(client))
    assert response.status_code == 302 and response["Location"] == "/", response.content[:300]
    assert client.get("/").status_code == 200
    nina = User.objects.get(email="nina@example.com")
    assert nina.display_name == "Nina New" and not nina.has_usable_password()
    assert Membership.objects.get(user=nina, department=sales).role == "manager"
    assert AuditEvent.objects.get(action="auth.login", actor_id=nina.pk).detail == {"method": "saml"}
