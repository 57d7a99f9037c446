"""Live-layer benchmark (issue 10): health checks with sockets open, and a connect storm beside a raw baseline.

1. Health: one daphne on PostgreSQL (or SQLite) and a throwaway redis-server; with N sockets
   open, each authenticated and subscribed to a room (so consumers are receiving), REQUESTS
   sequential GETs of /livez, /readyz and /healthz: status codes and latency (median, p95).
2. Connect storm: STORM sockets opened with CONCURRENCY handshakes in flight, against the
   raw `websockets` server of bench/chat_baseline.py and against daphne, in the same run:
   wall time, failed handshakes, and server CPU per connect (the process's user+system time).
   `--targets` adds daphne's own floors (bench/daphne_floor.py): `daphne-bare` (a plain ASGI
   app that accepts and says hello) and `daphne-channels` (the same through a channels
   consumer), so the intranet's connect can be read against the cheapest one daphne gives.

Everything started here is stopped by its PID; traffic stays on 127.0.0.1.

    .venv/bin/python bench/live_layer.py --database-url postgres://.../intranet_bench --runs 3
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_fanout import RESULTS, Bench, Stack, close_all, connect, raise_open_files_limit
from websockets.exceptions import ConnectionClosed, InvalidStatus

PATHS = ("/livez", "/readyz", "/healthz")


def _get(port: int, path: str) -> tuple[int, float]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.perf_counter()
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def health(stack, sizes: list[int], requests: int) -> list[dict]:
    port = stack.servers[0].port
    rows = []
    for size in sizes:
        connections, readers = await open_sockets(stack, size)
        row: dict = {"sockets": size, "open": sum(1 for c in connections if c.close_code is None)}
        for path in PATHS:
            results = [await asyncio.to_thread(_get, port, path) for _ in range(requests)]
            times = [ms for _, ms in results]
            row[path] = {
                "codes": sorted({status for status, _ in results}),
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 95), 1),
            }
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
        await close_all(connections)
        for task in readers:
            task.cancel()
        await asyncio.sleep(1)
    return rows


async def open_sockets(stack, count: int, concurrency: int = 20) -> tuple[list, list]:
    """`count` sockets subscribed to the room and read from (their consumers are receiving); failures skipped."""
    gate = asyncio.Semaphore(concurrency)
    connections, readers = [], []

    async def drain(connection) -> None:
        with contextlib.suppress(Exception):
            async for _ in connection:
                pass

    async def one(i: int) -> None:
        async with gate:
            with contextlib.suppress(Exception):
                connection = await connect(stack.ws_urls[0], stack.cookies[1 + i % (len(stack.cookies) - 1)])
                await asyncio.wait_for(connection.recv(), 30)
                await connection.send(json.dumps({"type": "subscribe", "room": stack.room, "after": None}))
                connections.append(connection)
                readers.append(asyncio.create_task(drain(connection)))

    await asyncio.gather(*(one(i) for i in range(count)))
    await asyncio.sleep(2)
    return connections, readers


BUSY = 4503  # apps.realtime.handshake.CLOSE_BUSY: the process is full, try again later
BUSY_STATUS = 503  # the same, refused in the HTTP upgrade (apps.realtime.transport)
BUSY_MIN_ATTEMPT = 2  # static/js/socket.js: a refusal waits at least this attempt's delay
GIVE_UP_AFTER = 60.0  # seconds: a client still not connected by then has failed
AFTER_CLOSE_S = 9.0  # seconds after the closes before "RSS closed" (trim after 5 s of quiet)


def cpu_by_thread(pid: int) -> dict[str, float]:
    """CPU seconds of a process's main thread (daphne's event loop) and of all its other threads."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"event_loop": 0.0, "threads": 0.0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            out["event_loop" if int(task.name) == pid else "threads"] += (int(fields[11]) + int(fields[12])) / tick
    return out


def backoff(attempt: int) -> float:
    """static/js/socket.js's delay before reconnect attempt `attempt` (1, 2, ...), in seconds."""
    return min(30.0, 0.5 * 2 ** min(attempt, 6)) * (0.5 + random.random() / 2)


async def storm(stack, count: int, concurrency: int) -> dict:
    """`count` clients connect at once (`concurrency` handshakes in flight from this client); a
    client refused (a 503 upgrade or 4503) waits like socket.js and tries again. Done when every
    client has its hello, or gave up after GIVE_UP_AFTER seconds (failed)."""
    server = stack.servers[0]
    gate = asyncio.Semaphore(concurrency)
    url = stack.ws_urls[0]
    opened, failed, refused, errors = [], 0, 0, 0
    error_kinds: dict[str, int] = {}

    async def one(i: int) -> None:
        nonlocal failed, refused, errors
        deadline = time.monotonic() + GIVE_UP_AFTER
        attempt = 0
        while True:
            async with gate:
                try:
                    connection = await connect(url, stack.cookies[1 + i % (len(stack.cookies) - 1)])
                    first = json.loads(await asyncio.wait_for(connection.recv(), 30))
                    if first.get("type") != "hello":  # the server finished the connect, signed in
                        raise ValueError(f"expected hello, got {first.get('type')!r}")
                    opened.append(connection)
                    return
                except InvalidStatus as refusal:
                    was_refused = refusal.response.status_code == BUSY_STATUS
                    if not was_refused:
                        kind = f"HTTP {refusal.response.status_code}"
                        error_kinds[kind] = error_kinds.get(kind, 0) + 1
                except ConnectionClosed as closed:
                    was_refused = closed.rcvd is not None and closed.rcvd.code == BUSY
                    if not was_refused:
                        kind = f"closed {closed.rcvd.code if closed.rcvd else 'without a close frame'}"
                        error_kinds[kind] = error_kinds.get(kind, 0) + 1
                except Exception as error:  # noqa: BLE001 - counted: a handshake that failed or timed out
                    was_refused = False
                    kind = type(error).__name__
                    error_kinds[kind] = error_kinds.get(kind, 0) + 1
                if was_refused:
                    refused += 1
                else:
                    errors += 1
            attempt = max(attempt + 1, BUSY_MIN_ATTEMPT) if was_refused else attempt + 1
            if time.monotonic() > deadline:
                failed += 1
                return
            await asyncio.sleep(backoff(attempt))

    rss_before = server.rss_kib()
    cpu_before = server.cpu_seconds()
    threads_before = cpu_by_thread(server.popen.pid)
    started = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(count)))
    wall = time.monotonic() - started
    cpu = server.cpu_seconds() - cpu_before
    threads_after = cpu_by_thread(server.popen.pid)  # threads that ended meanwhile are missing here
    rss_open = server.rss_kib()
    await close_all(opened)
    # The server gives memory back once closes have paused for 5 s (apps.realtime.memory
    # TRIM_QUIET); it notices the closes a moment after close_all. Read RSS after that.
    await asyncio.sleep(AFTER_CLOSE_S)
    return {
        "load_average": round(os.getloadavg()[0], 1),
        "rss_mib_before_open_after": [round(rss_before / 1024), round(rss_open / 1024), round(server.rss_kib() / 1024)],
        "target": stack.target,
        "sockets": count,
        "concurrency": concurrency,
        "opened": len(opened),
        "failed": failed,
        "refused_then_retried": refused,  # 503 or 4503
        "errors_then_retried": errors,
        "errors_by_kind": error_kinds,
        "seconds": round(wall, 2),
        "per_second": round(len(opened) / wall, 1),
        "server_cpu_ms_per_connect": round(cpu * 1000 / max(1, len(opened)), 2),
        "server_cpu_ms_per_connect_by_thread": {
            name: round((threads_after[name] - threads_before[name]) * 1000 / max(1, len(opened)), 2)
            for name in threads_after
        },
    }


FLOORS = {"daphne-bare": "bench.daphne_floor:bare", "daphne-channels": "bench.daphne_floor:channels"}


def start(bench: Bench, target: str) -> Stack:
    """`bench.start`, plus daphne serving one of bench/daphne_floor.py's applications."""
    if target not in FLOORS:
        return bench.start(target)
    daphne = [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", FLOORS[target], "-p"]
    return bench.start_plain(target, daphne)


async def run(args: argparse.Namespace) -> dict:
    bench = Bench(args)
    results: dict = {"health": [], "storm": []}
    try:
        await asyncio.to_thread(bench.prepare, args.users)
        for _ in range(args.runs):
            for target in args.targets:
                stack = start(bench, target)
                try:
                    await storm(stack, 50, 10)  # warm-up: the first handshakes of a process import code
                    for _ in range(args.storms):  # a second storm on the same process: is memory given back?
                        results["storm"].append(await storm(stack, args.storm, args.concurrency))
                        print(json.dumps(results["storm"][-1]), file=sys.stderr)
                    if target == "redis" and args.sizes:
                        results["health"].append(await health(stack, args.sizes, args.requests))
                finally:
                    stack.stop()
    finally:
        bench.close()
    return results


def summary(results: dict) -> dict:
    storm_by_target: dict[str, list[dict]] = {}
    for row in results["storm"]:
        storm_by_target.setdefault(row["target"], []).append(row)
    keys = ("opened", "failed", "refused_then_retried", "errors_then_retried", "seconds", "per_second",
            "server_cpu_ms_per_connect")  # fmt: skip
    storms = {
        target: {key: statistics.median(r[key] for r in rows) for key in keys}
        for target, rows in storm_by_target.items()
    }
    health_rows = {}
    for run_rows in results["health"]:
        for row in run_rows:
            for path in PATHS:
                entry = health_rows.setdefault((row["sockets"], path), {"codes": set(), "median": [], "p95": []})
                entry["codes"].update(row[path]["codes"])
                entry["median"].append(row[path]["median_ms"])
                entry["p95"].append(row[path]["p95_ms"])
    health_summary = [
        {"sockets": sockets, "path": path, "codes": sorted(e["codes"]),
         "median_ms": statistics.median(e["median"]), "p95_ms": statistics.median(e["p95"])}
        for (sockets, path), e in sorted(health_rows.items())
    ]  # fmt: skip
    return {"storm": storms, "health": health_summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--sizes", default="0,100,1000", help="sockets open during the health requests")
    parser.add_argument("--requests", type=int, default=30, help="requests per path and size")
    parser.add_argument("--storm", type=int, default=1000, help="sockets opened in the storm")
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight in the storm")
    parser.add_argument("--storms", type=int, default=2, help="storms per process and run (RSS over them)")
    parser.add_argument("--targets", default="baseline,redis", help="in order, e.g. baseline,daphne-bare,redis")
    args = parser.parse_args()
    args.targets = [t for t in args.targets.split(",") if t]
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    raise_open_files_limit()
    results = asyncio.run(run(args))
    results["summary"] = summary(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"live-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results["summary"], indent=2))
    print(f"results: {path}", file=sys.stderr)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
