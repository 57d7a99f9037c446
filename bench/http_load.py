#!/usr/bin/env python3
"""A small HTTP/1.1 keep-alive load client (standard library only) for side-by-side page benchmarks.

It measures several targets of the same server in one run, interleaved: for each round and
each concurrency it runs every target in turn (the order rotates from round to round), so a
noisy neighbour hurts all targets alike. It reports, per target and concurrency, the median
over the rounds of: requests per second, p50/p95/p99 latency, plus the error count (any
answer other than 200, a missing expected marker, a timeout or a broken connection; errors
never count as throughput) and the CPU the client and the server processes used.

Closed loop by default: each of C connections sends its next request when the previous
answer arrives (no think time), so at saturation latency ~ C / throughput (Little's law).
`--rate R` switches to an open loop: requests are due at R per second in total, spread over
the C connections, and latency is measured from when a request was due, so a slow server
is not hidden by a client that waits for it (no coordinated omission).

Safety: only 127.0.0.1 / localhost / ::1 targets; every run is bounded by --duration and
--max-requests, and each request by --timeout.

    python bench/http_load.py --base http://127.0.0.1:8101 --cookies bench/results/cookies.txt \\
        --target ping=/ping --target html=/ --target api=/api/v1/posts/ \\
        --expect html='data-post=' --expect api='"results"' \\
        --concurrency 20,50 --duration 10 --rounds 3 --warmup 3 --json bench/results/run.json
"""

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    name: str
    path: str
    expect: bytes | None = None


@dataclass
class RunResult:
    target: str
    concurrency: int
    round: int
    duration: float
    ok: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    bytes: int = 0
    client_cpu: float = 0.0  # fraction of one core
    server_cpu: float = 0.0  # fraction of one core, summed over --server-pid processes
    box_cpu: float = 0.0  # cores busy on the whole machine (all processes: database, other users too)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms)
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "round": self.round,
            "duration_s": round(self.duration, 3),
            "ok": self.ok,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "rps": round(self.ok / self.duration, 1) if self.duration else 0.0,
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "max_ms": round(lat[-1], 1) if lat else 0.0,
            "mean_bytes": round(self.bytes / self.ok) if self.ok else 0,
            "client_cpu": round(self.client_cpu, 3),
            "server_cpu": round(self.server_cpu, 3),
            "box_cpu": round(self.box_cpu, 3),
        }


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (exact, no interpolation)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects when the server closes it."""

    def __init__(self, host: str, port: int, cookie: str, timeout: float) -> None:
        self.host, self.port, self.cookie, self.timeout = host, port, cookie, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, bytes]:
        return await asyncio.wait_for(self._get(path), self.timeout)

    async def _get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUser-Agent: bench-http-load\r\n"
            f"Accept: */*\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n"
            + (f"Cookie: {self.cookie}\r\n" if self.cookie else "")
            + "\r\n"
        )
        self.writer.write(request.encode("latin-1"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            raise HttpError("bad status line") from None
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")  # no trailers expected
                    break
                body += await self.reader.readexactly(size + 2)
                del body[-2:]
            body = bytes(body)
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        else:  # body until close
            body = await self.reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def box_busy_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


async def run_one(
    target: Target,
    *,
    endpoints: list[tuple[str, int]],
    cookies: list[str],
    concurrency: int,
    duration: float,
    max_requests: int,
    timeout: float,
    rate: float | None,
    server_pids: list[int],
    round_no: int,
    record: bool = True,
    rotate: bool = False,
) -> RunResult:
    result = RunResult(target=target.name, concurrency=concurrency, round=round_no, duration=0.0)
    budget = [max_requests]
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + duration

    turn = [0]  # --rotate: the next session to use, shared by every connection

    async def worker(i: int) -> None:
        host, port = endpoints[i % len(endpoints)]
        conn = Connection(host, port, cookies[i % len(cookies)] if cookies else "", timeout)
        n = 0
        try:
            while budget[0] > 0:
                if rate:
                    due = start + (i + n * concurrency) / rate
                    if due >= deadline:
                        break
                    if (delay := due - loop.time()) > 0:
                        await asyncio.sleep(delay)
                else:
                    due = loop.time()
                    if due >= deadline:
                        break
                budget[0] -= 1
                n += 1
                if rotate and cookies:
                    conn.cookie = cookies[turn[0] % len(cookies)]
                    turn[0] += 1
                try:
                    status, body = await conn.get(target.path)
                except TimeoutError:
                    result.error("timeout")
                    await conn.close()
                    continue
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError):
                    result.error("connection")
                    await conn.close()
                    continue
                elapsed_ms = (loop.time() - due) * 1000
                if status != 200:
                    result.error(f"status {status}")
                elif target.expect is not None and target.expect not in body:
                    result.error("unexpected body")
                else:
                    result.ok += 1
                    result.bytes += len(body)
                    result.latencies_ms.append(elapsed_ms)
        finally:
            await conn.close()

    cpu0 = time.process_time()
    server0 = sum(cpu_seconds(p) for p in server_pids)
    busy0, _ = box_busy_ticks()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    result.duration = loop.time() - start
    result.box_cpu = (box_busy_ticks()[0] - busy0) / CLOCK_TICKS / result.duration
    result.client_cpu = (time.process_time() - cpu0) / result.duration
    result.server_cpu = (sum(cpu_seconds(p) for p in server_pids) - server0) / result.duration
    return result


def median_row(runs: list[dict]) -> dict:
    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 1)

    return {
        "target": runs[0]["target"],
        "concurrency": runs[0]["concurrency"],
        "rounds": len(runs),
        "rps": med("rps"),
        "p50_ms": med("p50_ms"),
        "p95_ms": med("p95_ms"),
        "p99_ms": med("p99_ms"),
        "errors": sum(r["errors"] for r in runs),
        "requests": sum(r["ok"] for r in runs),
        "mean_bytes": int(med("mean_bytes")),
        "client_cpu": round(statistics.median(r["client_cpu"] for r in runs), 2),
        "server_cpu": round(statistics.median(r["server_cpu"] for r in runs), 2),
        "box_cpu": round(statistics.median(r["box_cpu"] for r in runs), 2),
        # server CPU per answered request, per round then the median (ms of one core)
        "server_ms": round(
            statistics.median((r["server_cpu"] * 1000 / r["rps"]) if r["rps"] else 0.0 for r in runs), 1
        ),
        "rps_all_rounds": [r["rps"] for r in runs],
        "p95_all_rounds": [r["p95_ms"] for r in runs],
    }


def markdown(rows: list[dict], baseline: str | None) -> str:
    base = {r["concurrency"]: r["rps"] for r in rows if r["target"] == baseline}
    out = [
        "| target | clients | req/s | p50 ms | p95 ms | p99 ms | errors | "
        + (f"× {baseline} req/s | " if baseline else "")
        + "server CPU | server ms/req | client CPU | box CPU | req/s per round |",
        "|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if baseline else "") + "---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r['rps'] / base[r['concurrency']]:.2f} | " if baseline and base.get(r["concurrency"]) else ""
        if baseline and not ratio:
            ratio = "– | "
        out.append(
            f"| {r['target']} | {r['concurrency']} | {r['rps']:.0f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
            f"{r['p99_ms']:.0f} | {r['errors']} | {ratio}{r['server_cpu']:.2f} | {r['server_ms']:.1f} | "
            f"{r['client_cpu']:.2f} | "
            f"{r['box_cpu']:.2f} | "
            f"{', '.join(f'{x:.0f}' for x in r['rps_all_rounds'])} |"
        )
    return "\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--base", required=True, help="http://127.0.0.1:PORT, or several comma-separated (connections alternate)"
    )
    parser.add_argument("--target", action="append", required=True, help="name=/path (repeatable, in order)")
    parser.add_argument("--expect", action="append", default=[], help="name=text every 200 answer must contain")
    parser.add_argument("--cookies", help="file with one Cookie header value per line (connections take turns)")
    parser.add_argument("--cookie", action="append", default=[], help="a Cookie header value (repeatable)")
    parser.add_argument(
        "--rotate", action="store_true", help="each request takes the next session (not one per connection)"
    )
    parser.add_argument("--concurrency", default="20", help="comma-separated connection counts, e.g. 1,20,50")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per target per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unrecorded load per target first")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap per target per round")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--rate", type=float, help="open loop: total requests per second instead of a closed loop")
    parser.add_argument("--server-pid", action="append", type=int, default=[], help="server PIDs to sample CPU of")
    parser.add_argument("--baseline", help="target name the others are compared with (req/s ratio)")
    parser.add_argument("--label", default="", help="free text stored in the JSON")
    parser.add_argument("--json", help="write raw per-round results and medians to this file")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.duration > 120 or args.rounds < 1 or args.rounds > 20:
        parser.error("keep it bounded: 0 < --duration <= 120 and 1 <= --rounds <= 20")
    return args


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    endpoints = []
    for base in args.base.split(","):
        parts = urlsplit(base.strip())
        if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS or not parts.port:
            raise SystemExit(f"only http://127.0.0.1:PORT targets are allowed, not {base!r}")
        endpoints.append((parts.hostname, parts.port))
    expects = dict(e.split("=", 1) for e in args.expect)
    targets = []
    for spec in args.target:
        name, _, path = spec.partition("=")
        if not path.startswith("/"):
            raise SystemExit(f"--target wants name=/path, not {spec!r}")
        targets.append(Target(name, path, expects[name].encode() if name in expects else None))
    cookies = list(args.cookie)
    if args.cookies:
        with open(args.cookies) as f:
            cookies += [line.strip() for line in f if line.strip()]
    levels = [int(c) for c in args.concurrency.split(",")]
    common = {
        "endpoints": endpoints,
        "cookies": cookies,
        "max_requests": args.max_requests,
        "timeout": args.timeout,
        "rate": args.rate,
        "server_pids": args.server_pid,
        "rotate": args.rotate,
    }

    if args.warmup > 0:
        for target in targets:
            warm = await run_one(target, concurrency=max(levels), duration=args.warmup, round_no=0, **common)
            print(f"warm-up {target.name}: {warm.ok} ok, {warm.errors} errors {warm.error_kinds}", file=sys.stderr)
            if warm.ok == 0:
                raise SystemExit(f"{target.name}: no successful answer during the warm-up ({warm.error_kinds})")

    raw = []
    for concurrency in levels:
        for round_no in range(1, args.rounds + 1):
            shift = (round_no - 1) % len(targets)
            for target in targets[shift:] + targets[:shift]:
                run = await run_one(
                    target, concurrency=concurrency, duration=args.duration, round_no=round_no, **common
                )
                s = run.summary()
                raw.append(s)
                print(
                    f"c={concurrency} round {round_no} {target.name}: {s['rps']} req/s p50 {s['p50_ms']} "
                    f"p95 {s['p95_ms']} p99 {s['p99_ms']} ms, {s['errors']} errors, client CPU {s['client_cpu']:.2f}, "
                    f"server CPU {s['server_cpu']:.2f}, box CPU {s['box_cpu']:.2f}",
                    file=sys.stderr,
                )
    rows = []
    for concurrency in levels:
        for target in targets:
            rows.append(median_row([r for r in raw if r["target"] == target.name and r["concurrency"] == concurrency]))
    table = markdown(rows, args.baseline)
    print(table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "label": args.label,
                    "base": args.base,
                    "rate": args.rate,
                    "duration_s": args.duration,
                    "rounds": args.rounds,
                    "medians": rows,
                    "runs": raw,
                    "table": table,
                },
                f,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
