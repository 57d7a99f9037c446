"""The production topology on loopback: nginx (deploy/nginx/intranet.conf) in front of daphne processes and the worker.

Every process is started from the command that production runs: the `ExecStart=` of the systemd
units in deploy/systemd (paths and `%i` substituted), with the settings of
deploy/intranet.env.example (the values that name this machine replaced). nginx runs the real site
file, rendered by deploy/render_nginx.py for a temporary directory and a self-signed certificate.
Each process is stopped by its PID; nothing else is touched.
"""

import configparser
import contextlib
import http.client
import json
import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from websockets.asyncio.client import connect

from deploy.render_nginx import Site, self_signed_certificate, write
from tests.chat.servers import REPO_ROOT, free_port, test_database_env
from tests.sockets import TIMEOUT, NetSocket

DEPLOY = REPO_ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROD_APP = "/srv/intranet/app"
METRICS_TOKEN = uuid.uuid4().hex
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15

# The processes the current test started: their logs are shown if it fails (tests/topology/conftest.py).
started: list["Process"] = []


def unit_command(unit: str, instance: str = "") -> list[str]:
    """The unit's ExecStart, for this checkout: the venv's python, this repository, `%i` = instance."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / "systemd" / unit)
    command = shlex.split(parser["Service"]["ExecStart"].replace("%i", instance))
    assert command[0] == f"{PROD_APP}/.venv/bin/python", command
    return [sys.executable, *command[1:]]


def env_template() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "intranet.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def stack_env(workdir: Path, https_port: int, secret_key: str, **extra: str) -> dict[str, str]:
    """The env template with this machine's values: test database, Redis names of its own, temp paths."""
    env = env_template()
    replaced = {
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"https://127.0.0.1:{https_port}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "EMAIL_HOST": "127.0.0.1",  # nothing listens there: no e-mail leaves this machine
        "EMAIL_PORT": str(free_port()),
        "METRICS_TOKEN": METRICS_TOKEN,
        **test_database_env(),
    }
    assert set(replaced) - {"EMAIL_PORT"} <= set(env), "the env template lost a variable the test sets"
    env.update(replaced)
    prefix = f"topo{uuid.uuid4().hex[:12]}"  # pub/sub names are server-wide: keep apart from other runs
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "intranet.settings",
        "PYTHONUNBUFFERED": "1",
        **env,
        "CHANNEL_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "CHAT_SYNC_INTERVAL": "1",
        "CHAT_RATE_LIMIT_MESSAGES": "0",
        "AXES_FAILURE_LIMIT": "3",  # fewer slow (Argon2) failed logins to reach a lockout
        **extra,
    }


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def launch(self) -> "Process":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        started.append(self)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def signal(self, number: int) -> None:
        if self.alive():
            os.kill(self.process.pid, number)

    def stop(self) -> None:
        """SIGTERM (what systemd sends), SIGKILL if it does not exit in time; waits for the exit."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def kill(self) -> None:
        """SIGKILL: a crash, no goodbye to its clients."""
        if self.alive():
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


@dataclass
class DaphneUnit(Process):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = START_TIMEOUT_S, path: str = "/readyz") -> None:
        """Poll this process's own readiness (not through nginx) until it answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"{self.name} exited:\n{self.log()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3)
                # The app sits behind nginx: say the request came over HTTPS, as nginx does.
                connection.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not answer {path} within {timeout} s:\n{self.log()}")


@dataclass
class Stack:
    """nginx + N daphne + the worker (unless `with_worker` is false), all on loopback, in `workdir`."""

    workdir: Path
    secret_key: str
    daphne_count: int = 2
    with_worker: bool = True
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    daphnes: list[DaphneUnit] = field(default_factory=list)
    worker: Process | None = None
    nginx: Process | None = None
    cafile: Path | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def ws_url(self) -> str:
        return f"wss://127.0.0.1:{self.https_port}/ws/"

    def start(self) -> "Stack":
        self.env = stack_env(self.workdir, self.https_port, self.secret_key)
        (self.workdir / "media").mkdir(exist_ok=True)
        collect_static(self.workdir / "static")
        self.cafile, key = self_signed_certificate(self.workdir / "tls")
        ports = [free_port() for _ in range(self.daphne_count)]
        self.daphnes = [
            DaphneUnit(f"daphne-{port}", unit_command("intranet-daphne@.service", str(port)), self.env,
                       self.workdir / f"daphne-{port}.log", port=port)
            for port in ports
        ]  # fmt: skip
        if self.with_worker:
            self.worker = Process("worker", unit_command("intranet-worker.service"), self.env,
                                  self.workdir / "worker.log")  # fmt: skip
        conf = write(
            Site(self.workdir / "nginx", self.https_port, self.http_port, [f"127.0.0.1:{port}" for port in ports],
                 certificate=self.cafile, certificate_key=key,
                 static_root=self.workdir / "static", media_root=self.workdir / "media")
        )  # fmt: skip
        self.nginx = Process("nginx", [NGINX, "-c", str(conf), "-g", "daemon off;"], {}, self.workdir / "nginx.log")
        try:
            for process in [*self.daphnes, self.worker, self.nginx]:
                if process is not None:
                    process.launch()
            for daphne in self.daphnes:
                daphne.wait_healthy()
            self.wait_through_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_through_nginx(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.nginx.alive():
                raise AssertionError(f"nginx exited:\n{self.nginx.log()}\n{self.error_log()}")
            try:
                if Browser(self).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"nginx did not answer /healthz within {timeout} s:\n{self.error_log()}")

    def error_log(self) -> str:
        path = self.workdir / "nginx" / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def restart(self, daphne: DaphneUnit) -> None:
        """One step of a rolling restart: `systemctl restart intranet-daphne@PORT` (SIGTERM, wait for
        the exit, start again), then wait until nginx sends it requests again, before the next one."""
        daphne.stop()
        daphne.launch()
        # Listening first (a start takes seconds, more on a busy machine), asked directly: every
        # refused connection through nginx would take it out of rotation for another fail_timeout.
        daphne.wait_healthy(timeout=60)
        self.wait_in_rotation(daphne)

    def wait_in_rotation(self, daphne: DaphneUnit, timeout: float = 20) -> None:
        """Requests through nginx until one of them is answered by `daphne` (its access log grows).

        nginx skips a process for `fail_timeout` after a refused connection, so a process that is
        listening again may not take requests yet; restarting the next one before it does would
        leave nginx with no process to send to.
        """
        before = daphne.log().count('"GET /accounts/login/"')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not daphne.alive():
                raise AssertionError(f"{daphne.name} exited:\n{daphne.log()}")
            with contextlib.suppress(OSError):
                Browser(self).get("/accounts/login/")
            if daphne.log().count('"GET /accounts/login/"') > before:
                return
            time.sleep(0.1)
        raise AssertionError(f"nginx sent nothing to {daphne.name} within {timeout} s:\n{self.error_log()}")

    def stop(self) -> None:
        for process in [self.nginx, *self.daphnes, self.worker]:
            if process is not None:
                process.stop()

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))


_collected: dict[str, Path] = {}


def collect_static(target: Path) -> None:
    """collectstatic once per test process, copied for each stack (it takes a few seconds)."""
    key = "static"
    if key not in _collected:
        source = Path(os.environ.get("PYTEST_TMPDIR", "/tmp")) / f"topology-static-{os.getpid()}"
        env = {**os.environ, "STATIC_ROOT": str(source), "DJANGO_SETTINGS_MODULE": "intranet.settings"}
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO_ROOT, env=env, check=True
        )
        _collected[key] = source
    shutil.copytree(_collected[key], target, dirs_exist_ok=True)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self) -> dict:
        return json.loads(self.body)


class Browser:
    """An HTTPS client of nginx with a cookie jar, from a chosen loopback address (127.0.0.x)."""

    def __init__(self, stack: Stack, source: str = "127.0.0.1") -> None:
        self.stack = stack
        self.source = source
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.stack.https_port, context=self.stack.ssl_context(), timeout=15,
            source_address=(self.source, 0),
        )  # fmt: skip
        all_headers = {"Host": f"127.0.0.1:{self.stack.https_port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in {"GET", "HEAD"}:
            all_headers.setdefault("Origin", self.stack.url)
            all_headers.setdefault("Referer", self.stack.url + path)
            if "csrftoken" in self.cookies:
                all_headers.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.getheaders(), raw.read())
        finally:
            connection.close()
        for value in response.all("Set-Cookie"):
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})

    def post_form(self, path: str, data: dict) -> Response:
        return self.request(
            "POST", path, urlencode(data).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_json(self, path: str, data: dict, **headers: str) -> Response:
        return self.request("POST", path, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})

    def post_multipart(self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]], **headers: str):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}", **headers}
        )

    def login(self, email: str, password: str) -> Response:
        self.get("/accounts/login/")
        assert "csrftoken" in self.cookies
        return self.post_form("/accounts/login/", {"username": email, "password": password,
                                                   "csrfmiddlewaretoken": self.cookies["csrftoken"]})  # fmt: skip


class TlsSocket(NetSocket):
    """tests/sockets.py's NetSocket, over wss:// through nginx (the stack's certificate)."""

    async def connect(self, server=None) -> "TlsSocket":
        self.server = server or self.server
        self.connection = await connect(
            self.server.ws_url,
            origin=self.server.url,
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            compression=None,
            open_timeout=TIMEOUT,
            max_queue=self.max_queue,
            ssl=self.server.ssl_context(),
        )
        hello = await self.receive()
        assert hello["type"] == "hello", hello
        return self


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
