"""Chat fan-out benchmark: N subscribers in one room over real WebSockets, side by side with a baseline.

For each target and each N it connects N subscribers (distinct users, real sessions) to one
department room and one sender, then measures:

- latency: M_LAT messages, each sent when the previous one has reached every subscriber;
  per delivery the time from send to receipt (p50, p99), and per message the time from send
  to the LAST recipient (p99: the issue's "fan-out to 500 subscribers, p99 <= 150 ms");
- throughput: M_TP messages sent back to back; deliveries/expected and deliveries per second
  from the first send to the last receipt (messages per second = that / N).

Targets, all in the same run:
  baseline  bench/chat_baseline.py, a minimal `websockets` broadcast server (no auth, no database)
  memory    one daphne, in-memory channel layer (the embedded default)
  redis     one daphne, channels_redis (chat streams on RedisPubSubChannelLayer)
  redis2    two daphnes behind the same Redis; subscribers alternate, the sender is on the first
  redis-core  (only if asked for) like redis, with the chat streams on RedisChannelLayer

Then idle sockets: how many sockets one process holds (default 5,000, each authenticated and
subscribed to the room) and its resident memory per socket, for daphne and the baseline, and
one message fanned out to all of them.

Every message goes through the real path (database write included): SQLite in a temporary
directory by default, or --database-url postgres://... (an existing database, migrated here).
Traffic stays on 127.0.0.1; everything started here (daphne, the baseline, a throwaway
redis-server on a free port) is stopped by its PID; the run is bounded by --max-seconds.

    .venv/bin/python bench/chat_fanout.py                       # the full run (~20 min)
    .venv/bin/python bench/chat_fanout.py --quick               # a smoke run (~2 min)
    .venv/bin/python bench/chat_fanout.py --sizes 500 --targets baseline,redis --runs 5
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from websockets.exceptions import InvalidHandshake

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
TARGETS = ("baseline", "memory", "redis", "redis2")
EXTRA_TARGETS = ("redis-core",)  # on request: chat streams on RedisChannelLayer instead of pub/sub
BODY_MARK = "bench:"


# --- processes


_handed_out: set[int] = set()


def free_port() -> int:
    """A free port; within BENCH_PORTS (e.g. "8400-8419") when set, for a box shared by several engineers."""
    span = os.environ.get("BENCH_PORTS")
    if not span:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    low, high = (int(part) for part in span.split("-"))
    for port in range(low, high + 1):
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port left in BENCH_PORTS={span}")


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Process:
    """A server this script started; stopped by its PID, never by name."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path, port: int) -> None:
        self.name, self.port, self.log = name, port, log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.1)
        self.stop()  # not left running when the run gives up on it
        raise RuntimeError(f"{self.name} did not listen within {timeout} s")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process (all threads) so far."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class Stack:
    target: str
    servers: list[Process]
    room: int
    cookies: list[str]

    @property
    def ws_urls(self) -> list[str]:
        path = "/" if self.target == "baseline" else "/ws/"
        return [f"ws://127.0.0.1:{s.port}{path}" for s in self.servers]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="chat-bench-"))
        self.secret = secrets.token_urlsafe(50)
        self.redis: Process | None = None
        self.db_env = (
            {"DATABASE_URL": args.database_url}
            if args.database_url
            else {"SQLITE_PATH": str(self.workdir / "bench.sqlite3")}
        )
        self.base_env = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "SQLITE_PATH"}},
            **self.db_env,
            "DJANGO_SETTINGS_MODULE": "intranet.settings",
            "DEBUG": "false",
            "SECRET_KEY": self.secret,
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "false",
            "MEDIA_ROOT": str(self.workdir / "media"),
            "CHAT_RATE_LIMIT_MESSAGES": "0",  # one sender sends as fast as it can here
            "LOG_LEVEL": "WARNING",
            "CHANNEL_PREFIX": f"chatbench{uuid.uuid4().hex[:8]}",
            "PYTHONUNBUFFERED": "1",
        }
        self.room = 0
        self.cookies: list[str] = []

    def prepare(self, users: int) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=self.base_env, check=True
        )
        out = subprocess.run(
            [sys.executable, __file__, "--setup-users", str(users)], cwd=REPO, env=self.base_env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        data = json.loads(out.stdout.strip().splitlines()[-1])
        self.room, self.cookies = data["room"], data["cookies"]

    def start_redis(self) -> str:
        if self.redis is None:
            port = free_port()
            binary = shutil.which("redis-server")
            if not binary:
                raise RuntimeError("redis-server is not installed")
            command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                       "--dir", str(self.workdir)]  # fmt: skip
            self.redis = Process("redis", command, dict(os.environ), self.workdir / "redis.log", port)
            self.redis.wait_listening()
        return f"redis://127.0.0.1:{self.redis.port}/0"

    def start_plain(self, target: str, command: list[str]) -> Stack:
        """A server without the intranet (a baseline): `command` + the port it should listen on."""
        port = free_port()
        server = Process(target, [*command, str(port)], dict(os.environ), self.workdir / f"{target}.log", port)
        server.wait_listening()
        return Stack(target, [server], self.room, self.cookies)

    def start(self, target: str) -> Stack:
        if target == "baseline":
            return self.start_plain(target, [sys.executable, "bench/chat_baseline.py", "--port"])
        env = dict(self.base_env)
        if target in {"redis", "redis2", "redis-core"}:
            env["REDIS_URL"] = self.start_redis()
        if target == "redis-core":
            env["CHAT_CHANNEL_LAYER"] = "redis"
        servers = []
        for i in range(2 if target == "redis2" else 1):
            port = free_port()
            command = [
                sys.executable,
                "-m",
                "daphne",
                "-v",
                "0",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "intranet.asgi:application",
            ]
            if os.environ.get("CHAT_BENCH_PROFILE"):  # where the server's time goes (every thread, mixed)
                command[1:1] = ["-m", "cProfile", "-o", f"{os.environ['CHAT_BENCH_PROFILE']}.{target}-{i}"]
            elif os.environ.get("CHAT_BENCH_SAMPLE"):  # the event loop's time only (bench/sample_main_thread.py)
                command[1:1] = ["bench/sample_main_thread.py", f"{os.environ['CHAT_BENCH_SAMPLE']}.{target}-{i}.json"]
            servers.append(Process(f"{target}-{i}", command, env, self.workdir / f"{target}-{i}.log", port))
        for server in servers:
            server.wait_listening()
            wait_healthy(server.port)
        return Stack(target, servers, self.room, self.cookies)

    def close(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if os.environ.get("CHAT_BENCH_KEEP"):
            print(f"kept {self.workdir}", file=sys.stderr)
            return
        shutil.rmtree(self.workdir, ignore_errors=True)


def wait_healthy(port: int, timeout: float = 30) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), opener.open(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"daphne on {port} not healthy")


def last_message_id(stack: Stack) -> int:
    if stack.target == "baseline":
        return 0
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.servers[0].port}/api/v1/chat/rooms/{stack.room}/",
        headers={"Cookie": f"sessionid={stack.cookies[0]}", "Accept": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())["last_message_id"]


# --- the load client


class Subscribers:
    """N sockets that count the bench messages they receive, and when."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.arrivals: dict[int, list[float]] = {}
        self.done: dict[int, asyncio.Event] = {}
        self.connections: list = []
        self.readers: list[asyncio.Task] = []
        self.subscribed = 0
        self.retries = 0
        self.all_subscribed = asyncio.Event()

    def event(self, seq: int) -> asyncio.Event:
        return self.done.setdefault(seq, asyncio.Event())

    async def read(self, connection) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            async for raw in connection:
                start = raw.find(BODY_MARK)
                if start < 0:
                    if "chat.subscribed" in raw:
                        self.subscribed += 1
                        if self.subscribed == self.expected:
                            self.all_subscribed.set()
                    continue
                start += len(BODY_MARK)
                seq = int(raw[start : raw.index(":", start)])
                times = self.arrivals.setdefault(seq, [])
                times.append(loop.time())
                if len(times) == self.expected:
                    self.event(seq).set()


async def connect(url: str, cookie: str):
    from websockets.asyncio.client import connect as ws_connect

    origin = url.replace("ws://", "http://").split("/ws/")[0].rstrip("/")
    return await ws_connect(
        url,
        origin=origin,
        additional_headers={"Cookie": f"sessionid={cookie}"},
        compression=None,  # like the browser path through daphne: no permessage-deflate
        open_timeout=60,
        max_size=None,
    )


async def open_subscribers(
    stack: Stack, count: int, after: int, *, cookies_offset: int = 1, concurrency: int = 50
) -> Subscribers:
    subs = Subscribers(count)
    gate = asyncio.Semaphore(concurrency)
    urls = stack.ws_urls

    async def one(i: int) -> None:
        async with gate:
            cookie = stack.cookies[cookies_offset + i % (len(stack.cookies) - cookies_offset)]
            for attempt in range(6):  # like socket.js: a refused handshake is retried with backoff
                try:
                    connection = await connect(urls[i % len(urls)], cookie)
                    break
                except (OSError, TimeoutError, InvalidHandshake):
                    subs.retries += 1
                    if attempt == 5:
                        raise
                    await asyncio.sleep(0.2 * 2**attempt)
            await connection.recv()  # hello
            subs.connections.append(connection)
            subs.readers.append(asyncio.create_task(subs.read(connection)))
            await connection.send(json.dumps({"type": "subscribe", "room": stack.room, "after": after}))

    await asyncio.gather(*(one(i) for i in range(count)))
    await asyncio.wait_for(subs.all_subscribed.wait(), timeout=60)
    return subs


async def close_all(connections) -> None:
    await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)


class Sender:
    def __init__(self, connection, room: int) -> None:
        self.connection, self.room = connection, room
        self.sent: dict[int, float] = {}
        self.drain = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        with contextlib.suppress(Exception):
            async for _ in self.connection:
                pass

    async def send(self, seq: int) -> None:
        frame = json.dumps(
            {"type": "chat.send", "room": self.room, "body": f"bench:{seq}:hello team", "client_id": str(uuid.uuid4())}
        )
        self.sent[seq] = asyncio.get_running_loop().time()
        await self.connection.send(frame)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Cell:
    target: str
    subscribers: int
    run: int
    delivered: int = 0
    expected: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    p99_last_ms: float = 0.0
    deliveries_per_s: float = 0.0
    messages_per_s: float = 0.0
    tp_delivered: int = 0
    tp_expected: int = 0
    server_cpu_us_per_delivery: float = 0.0
    notes: list[str] = field(default_factory=list)


async def measure(stack: Stack, n: int, run: int, m_lat: int, m_tp: int) -> Cell:
    cell = Cell(stack.target, n, run)
    after = await asyncio.to_thread(last_message_id, stack)
    subs = await open_subscribers(stack, n, after)
    if subs.retries:
        cell.notes.append(f"{subs.retries} handshakes retried")
    sender_connection = await connect(stack.ws_urls[0], stack.cookies[0])
    await sender_connection.recv()
    sender = Sender(sender_connection, stack.room)
    await asyncio.sleep(1.5)  # let connect-time presence updates settle
    try:
        # Latency: one message at a time.
        base = run * 1_000_000 + n * 1000
        for i in range(m_lat):
            seq = base + i
            await sender.send(seq)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(subs.event(seq).wait(), timeout=3)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        latencies, last = [], []
        for i in range(m_lat):
            seq = base + i
            times = subs.arrivals.get(seq, [])
            cell.delivered += len(times)
            latencies += [(t - sender.sent[seq]) * 1000 for t in times]
            if len(times) == n:
                last.append((max(times) - sender.sent[seq]) * 1000)
            else:
                last.append(float("inf"))
        cell.expected = m_lat * n
        cell.p50_ms, cell.p99_ms = percentile(latencies, 50), percentile(latencies, 99)
        cell.p99_last_ms = percentile(last, 99)

        # Throughput: back to back.
        base += 500
        expected = m_tp * n
        cpu_before = [server.cpu_seconds() for server in stack.servers]
        for i in range(m_tp):
            await sender.send(base + i)
        loop = asyncio.get_running_loop()
        previous, stalled_since = -1, loop.time()
        while True:
            got = sum(len(subs.arrivals.get(base + i, ())) for i in range(m_tp))
            if got >= expected:
                break
            if got != previous:
                previous, stalled_since = got, loop.time()
            elif loop.time() - stalled_since > 5:
                cell.notes.append(f"throughput: stalled at {got}/{expected}")
                break
            await asyncio.sleep(0.05)
        cpu = sum(server.cpu_seconds() for server in stack.servers) - sum(cpu_before)
        arrivals = [t for i in range(m_tp) for t in subs.arrivals.get(base + i, ())]
        if arrivals:
            cell.server_cpu_us_per_delivery = round(cpu / len(arrivals) * 1e6, 1)
        cell.tp_delivered, cell.tp_expected = len(arrivals), expected
        if arrivals:
            elapsed = max(arrivals) - sender.sent[base]
            cell.deliveries_per_s = len(arrivals) / elapsed
            cell.messages_per_s = cell.deliveries_per_s / n
    finally:
        await close_all([*subs.connections, sender_connection])
        for task in [*subs.readers, sender.drain]:
            task.cancel()
    return cell


async def idle_sockets(stack: Stack, count: int, concurrency: int) -> dict:
    server = stack.servers[0]
    after = await asyncio.to_thread(last_message_id, stack)
    warm = await open_subscribers(stack, 20, after)
    await close_all(warm.connections)
    await asyncio.sleep(2)
    before = server.rss_kib()
    started = time.monotonic()
    subs = await open_subscribers(stack, count, after, concurrency=concurrency)
    connect_s = time.monotonic() - started
    await asyncio.sleep(3)
    after_rss = server.rss_kib()
    result = {
        "target": stack.target,
        "sockets": count,
        "held": sum(1 for c in subs.connections if c.close_code is None),
        "connect_seconds": round(connect_s, 1),
        "handshakes_retried": subs.retries,
        "rss_before_mib": round(before / 1024, 1),
        "rss_after_mib": round(after_rss / 1024, 1),
        "kib_per_socket": round((after_rss - before) / count, 1),
    }
    # And one message to all of them.
    sender_connection = await connect(stack.ws_urls[0], stack.cookies[0])
    await sender_connection.recv()
    sender = Sender(sender_connection, stack.room)
    await asyncio.sleep(2)
    await sender.send(9_999_999)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(subs.event(9_999_999).wait(), timeout=20)
    times = subs.arrivals.get(9_999_999, [])
    result["one_message_delivered"] = len(times)
    if times:
        result["one_message_last_ms"] = round((max(times) - sender.sent[9_999_999]) * 1000, 1)
        result["one_message_p50_ms"] = round(percentile([(t - sender.sent[9_999_999]) * 1000 for t in times], 50), 1)
    await close_all([*subs.connections, sender_connection])
    for task in [*subs.readers, sender.drain]:
        task.cancel()
    return result


# --- reporting


def median_cells(cells: list[Cell]) -> dict:
    def med(attr):
        return statistics.median(getattr(c, attr) for c in cells)

    return {
        "delivered": f"{sum(c.delivered for c in cells)}/{sum(c.expected for c in cells)}",
        "tp_delivered": f"{sum(c.tp_delivered for c in cells)}/{sum(c.tp_expected for c in cells)}",
        "p50_ms": med("p50_ms"),
        "p99_ms": med("p99_ms"),
        "p99_last_ms": med("p99_last_ms"),
        "deliveries_per_s": med("deliveries_per_s"),
        "messages_per_s": med("messages_per_s"),
        "server_cpu_us": med("server_cpu_us_per_delivery"),
    }


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_at_start": os.getloadavg(),
    }


COLUMNS = (
    "N", "target", "delivered (latency / throughput)", "p50 ms", "p99 ms", "p99 to last recipient ms",
    "deliveries/s", "messages/s", "× baseline", "server CPU µs/delivery",
)  # fmt: skip


def table(summary: dict, sizes: list[int], targets: list[str]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for n in sizes:
        base = summary.get(f"baseline/{n}")
        for target in targets:
            row = summary.get(f"{target}/{n}")
            if not row:
                continue
            ratio = row["deliveries_per_s"] / base["deliveries_per_s"] if base else float("nan")
            cells = [
                str(n), target, f"{row['delivered']} / {row['tp_delivered']}", f"{row['p50_ms']:.1f}",
                f"{row['p99_ms']:.1f}", f"{row['p99_last_ms']:.1f}", f"{row['deliveries_per_s']:,.0f}",
                f"{row['messages_per_s']:,.1f}", f"{ratio:.2f}", f"{row['server_cpu_us']:.0f}",
            ]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def progress(run_index: int, cell: Cell) -> str:
    return (
        f"run {run_index} {cell.target:8} N={cell.subscribers:5}: p50 {cell.p50_ms:7.1f} ms, "
        f"p99 {cell.p99_ms:7.1f} ms, p99 last {cell.p99_last_ms:7.1f} ms, {cell.deliveries_per_s:9,.0f} deliveries/s "
        f"({cell.delivered}/{cell.expected}, {cell.tp_delivered}/{cell.tp_expected}), "
        f"server CPU {cell.server_cpu_us_per_delivery} µs/delivery {cell.notes}"
    )


async def run(args: argparse.Namespace) -> dict:
    bench = Bench(args)
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = [t for t in args.targets.split(",") if t]
    deadline = time.monotonic() + args.max_seconds
    results: dict = {"machine": machine(), "args": vars(args), "cells": [], "idle": []}
    try:
        users = max(max(sizes), 1000) + 1
        print(f"preparing {users} users in {bench.db_env}", file=sys.stderr)
        bench.prepare(users)
        for run_index in range(args.runs):
            for target in targets:
                stack = bench.start(target)
                try:
                    for n in sizes:
                        if time.monotonic() > deadline:
                            raise TimeoutError("--max-seconds reached")
                        cell = await measure(stack, n, run_index, args.m_lat, args.m_tp)
                        results["cells"].append(asdict(cell))
                        print(progress(run_index, cell), file=sys.stderr)
                        await asyncio.sleep(1)
                finally:
                    stack.stop()
        if args.idle:
            for target in (args.idle_target, "baseline"):
                stack = bench.start(target)
                try:
                    idle = await idle_sockets(stack, args.idle, args.connect_concurrency)
                finally:
                    stack.stop()
                results["idle"].append(idle)
                print(f"idle {idle}", file=sys.stderr)
    finally:
        bench.close()
    summary = {}
    for target in targets:
        for n in sizes:
            cells = [Cell(**c) for c in results["cells"] if c["target"] == target and c["subscribers"] == n]
            if cells:
                summary[f"{target}/{n}"] = median_cells(cells)
    results["summary"] = summary
    results["table"] = table(summary, sizes, targets)
    return results


def setup_users(count: int) -> None:
    """Runs in a subprocess with the bench's database settings: users, a department, sessions."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from apps.accounts.models import User
    from apps.chat.models import Room
    from apps.departments.models import Department, Membership
    from apps.departments.services import department_create
    from apps.people.models import Profile

    with transaction.atomic():
        department = Department.objects.filter(slug="chat-bench").first() or department_create(
            acting_user=None, name="Chat bench"
        )
        emails = [f"chatbench{i:05d}@example.com" for i in range(count)]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        User.objects.bulk_create([User(email=e, password="!") for e in emails if e not in existing])
        users = list(User.objects.filter(email__in=emails).order_by("email"))
        Profile.objects.bulk_create(
            [Profile(user=u, display_name=f"Bench {i}") for i, u in enumerate(users)], ignore_conflicts=True
        )
        Membership.objects.bulk_create(
            [Membership(user=u, department=department) for u in users], ignore_conflicts=True
        )
        cookies = []
        for user in users:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "apps.accounts.backends.ProfileModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cookies.append(session.session_key)
    room = Room.objects.get(department=department)
    print(json.dumps({"room": room.pk, "cookies": cookies}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,500,1000")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--m-lat", type=int, default=100, help="messages in the latency phase")
    parser.add_argument("--m-tp", type=int, default=200, help="messages in the throughput phase")
    parser.add_argument("--idle", type=int, default=5000, help="idle sockets to hold (0: skip)")
    parser.add_argument("--idle-target", default="redis", choices=["memory", "redis"], help="daphne for the idle test")
    parser.add_argument("--connect-concurrency", type=int, default=100, help="handshakes in flight (idle phase)")
    parser.add_argument("--database-url", default="", help="postgres://... (default: SQLite in a temporary directory)")
    parser.add_argument("--max-seconds", type=int, default=3600)
    parser.add_argument("--quick", action="store_true", help="1 run, sizes 10,100, 20+50 messages, 500 idle sockets")
    parser.add_argument("--setup-users", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_users:
        setup_users(args.setup_users)
        return
    if args.quick:
        args.sizes, args.runs, args.m_lat, args.m_tp, args.idle = "10,100", 1, 20, 50, 500
    limit = raise_open_files_limit()
    print(f"open files limit: {limit}", file=sys.stderr)
    results = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"chat-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(results["table"])
    for idle in results["idle"]:
        print(idle)
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
