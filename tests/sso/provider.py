"""A real OpenID Connect provider on loopback for the tests: panva/oidc-provider (sso/oidc-provider,
installed by `make oidc-provider`), started as a node process, and a person's browser side of the
flow driven over plain HTTP (the provider's own login form, then the redirect back to us)."""

import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2] / "sso" / "oidc-provider"
PORTS = range(8185, 8200)  # this work's loopback ports
CALLBACK = "http://testserver/oidc/callback/"


@dataclass
class Provider:
    issuer: str
    clients: dict[str, str]  # client id -> secret


def _free_port() -> int:
    # Each xdist worker starts from its own port (gw0: 8185, gw1: 8186, ...), so two workers never race for one.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw5")
    first = PORTS.start + (int(worker[2:]) if worker[2:].isdigit() else 5) % len(PORTS)
    for port in [*range(first, PORTS.stop), *range(PORTS.start, first)]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


@contextmanager
def running_provider(accounts: dict[str, dict], client_ids: list[str], redirect_uris: list[str]) -> Iterator[Provider]:
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("oidc-provider is not installed: run `make oidc-provider` (make test does)")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    clients = {client_id: f"secret-of-{client_id}" for client_id in client_ids}
    config = [
        {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": [uri.replace("/oidc/callback/", "/accounts/login/") for uri in redirect_uris],
            "token_endpoint_auth_method": "client_secret_post",
        }
        for client_id, secret in clients.items()
    ]
    env = {**os.environ, "ISSUER": issuer, "CLIENTS": json.dumps(config), "ACCOUNTS": json.dumps(accounts)}
    process = subprocess.Popen(
        ["node", "server.mjs"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        if "listening" not in line:
            raise RuntimeError(f"the provider did not start: {line!r}")
        yield Provider(issuer=issuer, clients=clients)
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_at_provider(authorize_url: str, login: str, *, browser: requests.Session | None = None) -> str:
    """Follow the provider's pages as a person would (log in with `login`); returns the URL it sends back to us."""
    browser = browser or requests.Session()
    url = authorize_url
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if urlsplit(url).netloc == "testserver":
                return url
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post">\s*<input type="hidden" name="prompt" '
                         r'value="(\w+)"', response.text)  # fmt: skip
        assert form, (response.status_code, response.text[:800])
        action, prompt = urljoin(url, form.group(1)), form.group(2)
        data = {"prompt": prompt, "login": login, "password": "any"} if prompt == "login" else {"prompt": prompt}
        posted = browser.post(action, data=data, allow_redirects=False, timeout=10)
        assert posted.status_code in (302, 303), (posted.status_code, posted.text[:500])
        url = urljoin(action, posted.headers["Location"])
        if urlsplit(url).netloc == "testserver":
            return url
    raise AssertionError("the provider never sent the browser back")


def wait_seconds(seconds: float) -> None:
    time.sleep(seconds)
