"""Real server processes for the scale-out tests: daphne on free ports, a throwaway redis-server.

Every process here is started by the test and stopped by its PID; nothing else is touched.
The daphne processes serve the test database (the test uses `transactional_db`, so what it
creates is committed and visible to them) with the test process's SECRET_KEY, so that the
sessions the test creates are valid there.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[2]
# The servers the current test started: their logs are shown if it fails (see conftest).
started: list["Daphne"] = []
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_env() -> dict[str, str]:
    database = connection.settings_dict
    name = str(database["NAME"])
    if database["ENGINE"] == "django.db.backends.sqlite3":
        assert not connection.is_in_memory_db(), "the servers need a file test database"
        return {"SQLITE_PATH": name}
    parts = urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": urlunsplit(parts._replace(path="/" + quote(name)))}


@dataclass
class Daphne:
    name: str
    env: dict[str, str]
    log_path: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def launch(self) -> "Daphne":
        self.port = free_port()
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "intranet.asgi:application"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        started.append(self)
        return self

    def start(self) -> "Daphne":
        self.launch().wait_healthy()
        return self

    def health(self) -> dict | None:
        """What /healthz reports (with 200 or 503), or None while the server does not answer."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"{self.url}/healthz", timeout=3) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                return json.loads(error.read())
            except ValueError:
                return None
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def wait_health(self, condition: Callable[[dict], bool], timeout: float = START_TIMEOUT_S) -> None:
        """Poll /healthz until its report meets `condition`; fail with the server's log if it exits or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            health = self.health()
            if health and condition(health):
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.name}'s /healthz did not change as expected within {timeout} s:\n{self.log()}")

    def wait_healthy(self, timeout: float = START_TIMEOUT_S) -> None:
        self.wait_health(lambda health: health.get("status") == "ok", timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def pause(self) -> None:
        """SIGSTOP: the process stops reading anything (its sockets, its channel layer) until resumed."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def terminate(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGCONT)  # in case a test paused it
        self.process.terminate()

    def stop(self) -> None:
        self.terminate()
        if self.process is None:
            return
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


def start_all(servers: list[Daphne]) -> list[Daphne]:
    """Launch them together (a daphne takes a second or two to start), then wait for each."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_healthy()
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: list[Daphne]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.stop()


def daphne_env(*, redis_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        **test_database_env(),
        "DJANGO_SETTINGS_MODULE": "intranet.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "false",
        "MEDIA_ROOT": str(workdir / "media"),
        "REDIS_URL": redis_url,
        # Pub/sub names are server-wide: a prefix of its own keeps this test apart from anyone
        # else using the same Redis (and keeps parallel runs apart).
        "CHANNEL_PREFIX": f"chattest{uuid.uuid4().hex[:12]}",
        "CACHE_KEY_PREFIX": f"chattest{uuid.uuid4().hex[:12]}",
        "CHAT_SYNC_INTERVAL": "1",
        "CHAT_RATE_LIMIT_MESSAGES": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@dataclass
class RedisServer:
    """A throwaway redis-server (no persistence), killed and restarted by its PID on the same port."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.workdir)]  # fmt: skip
        with (self.workdir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return self
            time.sleep(0.05)
        raise AssertionError("redis-server did not start:\n" + (self.workdir / "redis.log").read_text())

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """Die like a crashed server: SIGKILL, no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
