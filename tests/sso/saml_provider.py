"""A real SAML IdP on loopback for the tests (tests/sso/saml_idp.py: pysaml2's IdP in its own process,
with a key and certificate made for the run), and a person's browser side of it over plain HTTP."""

import html
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SERVER = Path(__file__).with_name("saml_idp.py")


@dataclass
class IdP:
    url: str

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/metadata"

    def register(self, sp_metadata: bytes) -> None:
        requests.post(f"{self.url}/register", data=sp_metadata, timeout=10).raise_for_status()

    def misbehave(self, **quirks: object) -> None:
        """How the next answers differ from a correct one (see saml_idp.py); no argument: correct again."""
        requests.post(f"{self.url}/control", json=quirks, timeout=10).raise_for_status()


def make_key_and_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@contextmanager
def running_idp(accounts: dict[str, dict], folder: Path) -> Iterator[IdP]:
    import json
    import os

    key, cert = make_key_and_certificate(folder, "test-idp")
    env = {**os.environ, "IDP_KEY": str(key), "IDP_CERT": str(cert), "ACCOUNTS": json.dumps(accounts)}
    process = subprocess.Popen(
        [sys.executable, str(SERVER)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"the SAML IdP did not start: {line!r}")
        yield IdP(url=f"http://127.0.0.1:{int(line.split()[1])}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_at_idp(redirect_url: str, login: str) -> tuple[str, dict[str, str]]:
    """Open the IdP's login form, sign in as `login`; returns the form the IdP posts back: (action, fields)."""
    browser = requests.Session()
    page = browser.get(redirect_url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    answer = browser.post(
        page.url.split("?")[0].replace("/sso/redirect", "/sso/login"),
        data={**{k: html.unescape(v) for k, v in fields.items()}, "login": login, "password": "any"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text[:500]
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', answer.text).group(1))
    posted = {
        k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', answer.text)
    }
    return action, posted
