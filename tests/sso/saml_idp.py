"""A real SAML 2.0 identity provider on loopback for the tests: pysaml2's own IdP (`saml2.server.Server`)
behind a small WSGI server, run as its own process by `tests/sso/saml_provider.py`.

    IDP_KEY=key.pem IDP_CERT=cert.pem ACCOUNTS='{"mia@example.com": {...}}' python tests/sso/saml_idp.py

It prints "listening <port>" once it serves on 127.0.0.1 (port chosen by the OS). Pages:
- GET  /metadata          its metadata (entity id, SSO endpoint, signing certificate);
- GET  /sso/redirect      an AuthnRequest by the HTTP-Redirect binding: shows its login form;
- POST /sso/login         the form: answers with a signed assertion, in a form that posts itself
                          to the service provider's ACS (HTTP-POST binding), as real IdPs do;
- POST /register         an SP's metadata (its entity id, ACS), as an admin registers an application;
- POST /control           (tests only) how the next answers misbehave: JSON with any of
                          "unsigned", "altered", "expired" (booleans), "audience", "recipient" (strings).

The answer is built unsigned by pysaml2, the misbehaviour applied to its XML, then the assertion
signed with xmlsec1 by pysaml2 (unless "unsigned"), then "altered" changes the signed e-mail address.
"""

import base64
import html
import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, Assertion, NameID
from saml2.server import Server
from saml2.sigver import pre_signature_part

ACCOUNTS = json.loads(os.environ.get("ACCOUNTS", "{}"))
quirks: dict = {}


def build_server(base: str) -> Server:
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/metadata",
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "key_file": os.environ["IDP_KEY"],
            "cert_file": os.environ["IDP_CERT"],
            "service": {
                "idp": {
                    "name": "Test IdP",
                    "endpoints": {"single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_BASIC}},
                }
            },
        }
    )
    server = Server(config=config)
    server.metadata = MetadataStore(config.attribute_converters, config)  # SPs come in by POST /register
    return server


def _page(body: str, status: str = "200 OK") -> tuple[str, list, bytes]:
    document = f"<!doctype html><html><head><title>Test IdP</title></head><body>{body}</body></html>"
    return status, [("Content-Type", "text/html; charset=utf-8")], document.encode()


def _hidden(**fields: str) -> str:
    return "".join(f'<input type="hidden" name="{k}" value="{html.escape(v, quote=True)}">' for k, v in fields.items())


def login_form(saml_request: str, relay_state: str) -> tuple[str, list, bytes]:
    return _page(
        '<h1>Test IdP sign-in</h1><form method="post" action="/sso/login">'
        f"{_hidden(SAMLRequest=saml_request, RelayState=relay_state)}"
        '<label for="login">Username</label><input id="login" name="login">'
        '<label for="password">Password</label><input id="password" name="password" type="password">'
        '<button type="submit">Sign in</button></form>'
    )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def misbehave(xml: str, acs: str, sp_entity_id: str) -> str:
    if quirks.get("audience"):
        xml = xml.replace(f">{sp_entity_id}</", f">{quirks['audience']}</")
    if quirks.get("recipient"):
        xml = xml.replace(f'Recipient="{acs}"', f'Recipient="{quirks["recipient"]}"')
    if quirks.get("expired"):
        now = datetime.now(UTC)
        xml = re.sub(r'NotOnOrAfter="[^"]+"', f'NotOnOrAfter="{_stamp(now - timedelta(minutes=10))}"', xml)
        xml = re.sub(r'NotBefore="[^"]+"', f'NotBefore="{_stamp(now - timedelta(minutes=20))}"', xml)
    return xml


def saml_response(server: Server, saml_request: str, login: str) -> tuple[str, str]:
    """The signed SAMLResponse (base64) for `login` and where it goes (the request's ACS)."""
    request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
    acs, sp_entity_id = request.assertion_consumer_service_url, request.issuer.text
    account = ACCOUNTS[login]
    identity = {key: value if isinstance(value, list) else [value] for key, value in account.items()}
    response = server.create_authn_response(
        identity,
        in_response_to=request.id,
        destination=acs,
        sp_entity_id=sp_entity_id,
        name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=account["email"]),
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
        sign_response=False,
        sign_assertion=False,
    )
    xml = misbehave(str(response), acs, sp_entity_id)
    if not quirks.get("unsigned"):
        xml = sign_assertion(server, xml)
    if quirks.get("altered"):
        xml = xml.replace(account["email"], "ceo@example.com")
    return base64.b64encode(xml.encode()).decode(), acs


def sign_assertion(server: Server, xml: str) -> str:
    """Put an enveloped signature template into the assertion, then let xmlsec1 sign it (via pysaml2)."""
    from saml2.samlp import response_from_string as parse

    message = parse(xml)
    assertion = message.assertion[0]
    assertion.signature = pre_signature_part(assertion.id, server.sec.my_cert, 1)
    return server.sec.sign_statement(str(message), f"{Assertion.c_namespace}:{Assertion.c_tag}", node_id=assertion.id)


def application(environ, start_response):
    server: Server = environ["idp.server"]
    method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
    from urllib.parse import parse_qs

    if method == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode()
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    try:
        if method == "GET" and path == "/metadata":
            answer = ("200 OK", [("Content-Type", "application/samlmetadata+xml")], metadata(server))
        elif method == "GET" and path == "/sso/redirect":
            server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)  # refuse garbage early
            answer = login_form(query["SAMLRequest"], query.get("RelayState", ""))
        elif method == "POST" and path == "/sso/login":
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if form.get("login") not in ACCOUNTS:
                answer = _page("<p>Unknown user</p>", "403 Forbidden")
            else:
                encoded, acs = saml_response(server, form["SAMLRequest"], form["login"])
                answer = _page(
                    f'<form method="post" action="{html.escape(acs, quote=True)}" id="saml-post">'
                    f"{_hidden(SAMLResponse=encoded, RelayState=form.get('RelayState', ''))}"
                    '<button type="submit">Continue</button></form>'
                    "<script>document.getElementById('saml-post').submit()</script>"
                )
        elif method == "POST" and path == "/register":
            server.metadata.load("inline", body)
            answer = ("204 No Content", [], b"")
        elif method == "POST" and path == "/control":
            quirks.clear()
            quirks.update(json.loads(body or "{}"))
            answer = ("204 No Content", [], b"")
        else:
            answer = _page("<p>Not found</p>", "404 Not Found")
    except Exception as error:  # noqa: BLE001  (a test IdP: say what went wrong, keep serving)
        answer = _page(f"<pre>{html.escape(repr(error))}</pre>", "400 Bad Request")
    status, headers, content = answer
    start_response(status, [*headers, ("Content-Length", str(len(content)))])
    return [content]


def metadata(server: Server) -> bytes:
    document = create_metadata_string(None, config=server.config, valid=24)
    return document if isinstance(document, bytes) else document.encode()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    holder: dict = {}

    def app(environ, start_response):
        environ["idp.server"] = holder["server"]
        return application(environ, start_response)

    httpd = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=QuietHandler)
    holder["server"] = build_server(f"http://127.0.0.1:{httpd.server_port}")
    print(f"listening {httpd.server_port}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
