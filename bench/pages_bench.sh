#!/usr/bin/env bash
# Pages benchmark (issue 17): in ONE run, side by side on the same daphne (DEBUG=0), a bare
# async hello-world view (no middleware), the trivial logged-in /ping, the home feed, the
# posts API, the company-wide department page, the people directory, its chat room and its
# idea board. 20 clients, closed loop, sessions rotated per request, every answer checked
# (200 and the page's marker), median of 3 rounds; ratios to /ping. Then the home feed at
# an open-loop 30 req/s (p95), the queries per page and each middleware's cost in-process.
#
#   bash bench/pages_bench.sh          # = make bench (about 6 minutes)
#
# Knobs: BENCH_DB (intranet_speed), BENCH_REDIS_URL (redis db 9), BENCH_PORT (8321),
# BENCH_DURATION (8 s per target per round), BENCH_ROUNDS (3), BENCH_CONCURRENCY (20),
# BENCH_SESSIONS (200), BENCH_RATE (30; empty: skip the open loop), BENCH_AB_THREADS (e.g. 4,
# or 0 = a thread per request: also compare that HTTP_WORKER_THREADS with the default, on
# BENCH_AB_TARGETS, a regexp, default "ping|feed"), BENCH_COMMIT (recorded), BENCH_TARGETS (a
# regexp of the target names to run, e.g. "hello|ping|feed"; default all).
# Load goes to 127.0.0.1 only, each run is bounded in time and requests, and the script
# stops the daphne it started by its PID (also on Ctrl-C).
set -euo pipefail

cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

BENCH_DB="${BENCH_DB:-intranet_speed}"
BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BENCH_PORT="${BENCH_PORT:-8321}"
BENCH_DURATION="${BENCH_DURATION:-8}"
BENCH_ROUNDS="${BENCH_ROUNDS:-3}"
BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-20}"
BENCH_SESSIONS="${BENCH_SESSIONS:-200}"
BENCH_RATE="${BENCH_RATE-30}"
BENCH_TARGETS="${BENCH_TARGETS:-[a-z]+}"

OUT="bench/results/pages-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

export DATABASE_URL="$BENCH_PG/$BENCH_DB"
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/9}"
export DEBUG=0 HTTPS=0 SERVE_STATIC=1 ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING BENCH_HELLO=1
export SECRET_KEY="${SECRET_KEY:-bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz}"

log() { echo "[pages-bench] $*" >&2; }
server_pid=""
pool_pid=""
cookies="$OUT/cookies.txt"
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
    if [ -n "$pool_pid" ] && kill -0 "$pool_pid" 2>/dev/null; then
        kill "$pool_pid" 2>/dev/null || true
        wait "$pool_pid" 2>/dev/null || true
    fi
    pool_pid=""
    if [ -f "$cookies" ]; then "$PY" bench/make_sessions.py --delete "$cookies" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

{
    echo "date: $(date -Is)"
    echo "commit: ${BENCH_COMMIT:-$(git rev-parse --short HEAD) ($(git status --porcelain | wc -l) files changed in the working tree)}"
    echo "nproc: $(nproc); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/env.txt"
cat "$OUT/env.txt" >&2

bash bench/seed.sh "$BENCH_DB" >&2
"$PY" bench/make_sessions.py --users "$BENCH_SESSIONS" --out "$cookies" >&2
mapfile -t target_args < <("$PY" bench/pages_targets.py | paste - - | grep -E "^--target=($BENCH_TARGETS)=" | tr '\t' '\n')

"$PY" -m daphne -b 127.0.0.1 -p "$BENCH_PORT" intranet.asgi:application >"$OUT/daphne.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$BENCH_PORT/healthz" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { log "daphne died, see $OUT/daphne.log"; exit 1; }
    sleep 0.5
done

log "closed loop: ${BENCH_CONCURRENCY} clients, $BENCH_ROUNDS rounds of ${BENCH_DURATION}s per target"
"$PY" bench/http_load.py --base "http://127.0.0.1:$BENCH_PORT" --cookies "$cookies" --rotate \
    "${target_args[@]}" --baseline ping --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" \
    --rounds "$BENCH_ROUNDS" --warmup 2 --server-pid "$server_pid" --max-requests 20000 \
    --json "$OUT/closed.json" 2>"$OUT/closed.log" >"$OUT/closed.md"

if [ -n "$BENCH_RATE" ]; then
    log "open loop: the home feed at $BENCH_RATE req/s over 50 connections"
    "$PY" bench/http_load.py --base "http://127.0.0.1:$BENCH_PORT" --cookies "$cookies" --rotate \
        --target ping=/ping --expect ping=pong --target feed=/ --expect feed=data-post= \
        --concurrency 50 --rate "$BENCH_RATE" --duration "$BENCH_DURATION" --rounds "$BENCH_ROUNDS" \
        --warmup 0 --server-pid "$server_pid" --timeout 10 \
        --json "$OUT/open.json" 2>"$OUT/open.log" >"$OUT/open.md"
fi
if [ -n "${BENCH_AB_THREADS:-}" ]; then
    # A/B: the same server with a bounded pool of $BENCH_AB_THREADS threads (HTTP_WORKER_THREADS)
    # on the next port, the two measured in alternation, round after round.
    HTTP_WORKER_THREADS="$BENCH_AB_THREADS" "$PY" -m daphne -b 127.0.0.1 -p "$((BENCH_PORT + 1))" \
        intranet.asgi:application >"$OUT/daphne-pool.log" 2>&1 &
    pool_pid=$!
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "http://127.0.0.1:$((BENCH_PORT + 1))/healthz" 2>/dev/null && break
        sleep 0.5
    done
    log "A/B: the default HTTP_WORKER_THREADS vs $BENCH_AB_THREADS (0 = a thread per request)"
    # The pages of this run but the bare hello view (no Django request, no thread): ping and feed by default.
    mapfile -t ab_targets < <("$PY" bench/pages_targets.py | paste - - | grep -E "^--target=(${BENCH_AB_TARGETS:-ping|feed})=" | tr '\t' '\n')
    for round in 1 2 3; do
        for variant in "default:$BENCH_PORT:$server_pid" "pool-$BENCH_AB_THREADS:$((BENCH_PORT + 1)):$pool_pid"; do
            IFS=: read -r name port pid <<<"$variant"
            "$PY" bench/http_load.py --base "http://127.0.0.1:$port" --cookies "$cookies" --rotate \
                "${ab_targets[@]}" \
                --concurrency "$BENCH_CONCURRENCY" --duration 6 --rounds 1 --warmup 1 --server-pid "$pid" \
                --json "$OUT/ab-$name-$round.json" 2>>"$OUT/ab.log" >/dev/null
        done
    done
    kill "$pool_pid" 2>/dev/null || true
    wait "$pool_pid" 2>/dev/null || true
    "$PY" - "$OUT" <<'PYEOF' >"$OUT/ab.md"
import glob, json, statistics, sys
rows = {}
for path in sorted(glob.glob(f"{sys.argv[1]}/ab-*.json")):
    name = path.rsplit("/", 1)[1][3:].rsplit("-", 1)[0]
    for m in json.load(open(path))["medians"]:
        rows.setdefault((name, m["target"]), []).append(m)
print("| threads | target | req/s (median of 3) | server ms/req | p95 ms |\n|---|---|---:|---:|---:|")
for (name, target), ms in sorted(rows.items()):
    med = lambda k: statistics.median(m[k] for m in ms)
    print(f"| {name} | {target} | {med('rps'):.0f} | {med('server_ms'):.1f} | {med('p95_ms'):.0f} |")
PYEOF
fi
cleanup

log "queries per page and middleware costs (in-process)"
"$PY" bench/page_costs.py >"$OUT/costs.md" 2>"$OUT/costs.log" || log "page_costs failed, see $OUT/costs.log"

{
    echo "## Pages benchmark $(date -Is)"
    echo
    sed 's/^/    /' "$OUT/env.txt"
    echo "    load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "### Closed loop, $BENCH_CONCURRENCY clients, median of $BENCH_ROUNDS rounds of ${BENCH_DURATION} s"
    echo
    cat "$OUT/closed.md"
    if [ -f "$OUT/open.md" ]; then
        echo
        echo "### Open loop, $BENCH_RATE req/s over 50 connections, latency from when each request was due"
        echo
        cat "$OUT/open.md"
    fi
    echo
    if [ -f "$OUT/ab.md" ]; then
        echo
        echo "### Threads per process, A/B in alternation (20 clients, 3 rounds of 6 s)"
        echo
        cat "$OUT/ab.md"
    fi
    echo
    cat "$OUT/costs.md"
} >"$OUT/summary.md"
cat "$OUT/summary.md"
log "raw results in $OUT"
