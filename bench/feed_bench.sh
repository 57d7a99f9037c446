#!/usr/bin/env bash
# Home feed benchmark (issue 3, point 10): the HTML feed (/) and the API feed
# (/api/v1/posts/) against the trivial logged-in /ping of the same server, in the same run.
#
#   bash bench/feed_bench.sh            # or: make bench
#
# 1. creates the PostgreSQL database $BENCH_DB if missing, migrates, seeds it with
#    seed_demo (idempotent: a seeded database is left as it is);
# 2. logs $BENCH_SESSIONS seeded people in (sessions written straight to the database);
# 3. for each process count in $BENCH_PROCS starts daphne (DEBUG=0) on 127.0.0.1, one
#    process per port, runs bench/http_load.py (ping, html, api interleaved, $BENCH_ROUNDS
#    rounds per concurrency), then stops the processes it started, by PID;
# 4. records queries per page and the PostgreSQL plans (bench/feed_queries.py);
# 5. writes everything to bench/results/feed-<time>/ and prints the markdown tables.
#
# Everything stays on 127.0.0.1 and every load run is bounded in time and requests.
# Knobs (environment): BENCH_DB, BENCH_DATABASE_URL, BENCH_REDIS_URL (empty: no Redis),
# BENCH_USERS, BENCH_DEPARTMENTS, BENCH_POSTS, BENCH_COMMENTS, BENCH_REACTIONS,
# BENCH_PROCS ("1 2"), BENCH_PORT, BENCH_CONCURRENCY ("1,20,50"), BENCH_DURATION (s per
# target per round), BENCH_ROUNDS, BENCH_WARMUP, BENCH_SESSIONS, BENCH_RATE (open-loop
# req/s, empty to skip), BENCH_RATE_CLIENTS, BENCH_RATE_DURATION.
set -euo pipefail

cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

BENCH_DB="${BENCH_DB:-intranet_bench}"
BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-$BENCH_PG/$BENCH_DB}"
BENCH_REDIS_URL="${BENCH_REDIS_URL-redis://127.0.0.1:6379/11}"
BENCH_USERS="${BENCH_USERS:-2000}"
BENCH_DEPARTMENTS="${BENCH_DEPARTMENTS:-50}"
BENCH_POSTS="${BENCH_POSTS:-100000}"
BENCH_COMMENTS="${BENCH_COMMENTS:-2}"
BENCH_REACTIONS="${BENCH_REACTIONS:-3}"
BENCH_PROCS="${BENCH_PROCS:-1 2}"
BENCH_PORT="${BENCH_PORT:-8101}"
BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-1,20,50}"
BENCH_DURATION="${BENCH_DURATION:-10}"
BENCH_ROUNDS="${BENCH_ROUNDS:-3}"
BENCH_WARMUP="${BENCH_WARMUP:-3}"
BENCH_SESSIONS="${BENCH_SESSIONS:-50}"
# Open loop: requests due at this total rate over BENCH_RATE_CLIENTS connections (a feed
# load every ~8 s per person), latency counted from when each was due. Empty: skipped.
BENCH_RATE="${BENCH_RATE-6}"
BENCH_RATE_CLIENTS="${BENCH_RATE_CLIENTS:-50}"
BENCH_RATE_DURATION="${BENCH_RATE_DURATION:-15}"

OUT="bench/results/feed-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

# The server's settings: production-like (DEBUG off, no HTTPS redirect: plain HTTP on loopback).
export DATABASE_URL="$BENCH_DATABASE_URL"
export REDIS_URL="$BENCH_REDIS_URL"
export DEBUG=0 HTTPS=0 SERVE_STATIC=1 ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING
export SECRET_KEY="${SECRET_KEY:-bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz}"

pids=()
cookies="$OUT/cookies.txt"
cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    pids=()
    if [ -f "$cookies" ]; then "$PY" bench/make_sessions.py --delete "$cookies" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "[feed-bench] $*" >&2; }

# --- machine and software, for the record
{
    echo "date: $(date -Is)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?') ($(git status --porcelain 2>/dev/null | wc -l) files changed in the working tree)"
    echo "nproc: $(nproc)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "python: $("$PY" -c 'import sys; print(sys.version.split()[0])')"
    "$PY" - <<'EOF'
from importlib.metadata import version
print("packages: " + ", ".join(f"{p} {version(p)}" for p in ("Django", "channels", "daphne", "Twisted", "djangorestframework", "psycopg", "psycopg-pool")))
EOF
    echo "postgresql: $(psql "$BENCH_PG/postgres" -tAc 'show server_version' 2>/dev/null || echo '?')"
    echo "database: ${BENCH_DATABASE_URL%%\?*}; redis: ${BENCH_REDIS_URL:-none}"
} >"$OUT/env.txt"
cat "$OUT/env.txt" >&2

# --- database and data
if [[ "$BENCH_DATABASE_URL" == postgres* ]]; then
    if ! psql "$BENCH_PG/postgres" -tAc "select 1 from pg_database where datname = '$BENCH_DB'" | grep -q 1; then
        log "creating database $BENCH_DB"
        createdb -d "$BENCH_PG/postgres" "$BENCH_DB" 2>/dev/null || psql "$BENCH_PG/postgres" -c "create database \"$BENCH_DB\""
    fi
fi
"$PY" manage.py migrate --noinput -v0
log "seeding (idempotent): $BENCH_USERS users, $BENCH_DEPARTMENTS departments, $BENCH_POSTS posts"
/usr/bin/env time -f "seed wall time: %e s, max RSS %M KiB" \
    "$PY" manage.py seed_demo --no-photos --users "$BENCH_USERS" --departments "$BENCH_DEPARTMENTS" \
    --posts "$BENCH_POSTS" --comments-per-post "$BENCH_COMMENTS" --reactions-per-post "$BENCH_REACTIONS" \
    2>&1 | tee "$OUT/seed.log" >&2
"$PY" manage.py shell -v0 -c "
from apps.feed.models import Post, Comment, Reaction
from apps.accounts.models import User
from apps.departments.models import Department, Membership
print(f'data: {User.objects.count()} users, {Department.objects.count()} departments (with All staff), '
      f'{Membership.objects.count()} memberships, {Post.objects.count()} posts '
      f'({Post.objects.filter(kind=\"announcement\").count()} announcements), {Comment.objects.count()} comments, '
      f'{Reaction.objects.count()} reactions')
" | tee -a "$OUT/env.txt" >&2

"$PY" bench/make_sessions.py --users "$BENCH_SESSIONS" --out "$cookies" >&2

# --- queries per page and plans (in-process, no server)
log "queries per page and plans"
"$PY" bench/feed_queries.py --out "$OUT/queries.md" >/dev/null

# --- load
start_servers() {
    local n="$1" port
    bases=()
    for ((i = 0; i < n; i++)); do
        port=$((BENCH_PORT + i))
        "$PY" -m daphne -b 127.0.0.1 -p "$port" intranet.asgi:application >"$OUT/daphne-${n}p-$port.log" 2>&1 &
        pids+=("$!")
        bases+=("http://127.0.0.1:$port")
    done
    for base in "${bases[@]}"; do
        for _ in $(seq 1 60); do
            if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then continue 2; fi
            for pid in "${pids[@]}"; do
                kill -0 "$pid" 2>/dev/null || { log "daphne $pid died, see $OUT"; exit 1; }
            done
            sleep 0.5
        done
        log "$base did not answer /healthz within 30 s"
        exit 1
    done
}

summary="$OUT/summary.md"
{
    echo "## Feed benchmark $(date -Is)"
    echo
    sed 's/^/    /' "$OUT/env.txt"
    echo
} >"$summary"

for procs in $BENCH_PROCS; do
    log "starting $procs daphne process(es)"
    start_servers "$procs"
    server_args=()
    for pid in "${pids[@]}"; do server_args+=(--server-pid "$pid"); done
    log "load: concurrency $BENCH_CONCURRENCY, $BENCH_ROUNDS rounds of ${BENCH_DURATION}s per target"
    "$PY" bench/http_load.py --base "$(IFS=,; echo "${bases[*]}")" --cookies "$cookies" \
        --target ping=/ping --target html=/ --target api=/api/v1/posts/ \
        --expect ping=pong --expect html='data-post=' --expect api='"results"' --baseline ping \
        --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" --rounds "$BENCH_ROUNDS" \
        --warmup "$BENCH_WARMUP" "${server_args[@]}" --label "$procs daphne process(es)" \
        --json "$OUT/load-${procs}p.json" 2>"$OUT/load-${procs}p.log" >"$OUT/load-${procs}p.md"
    {
        echo "### $procs daphne process(es), closed loop, median of $BENCH_ROUNDS rounds of ${BENCH_DURATION} s per target"
        echo
        cat "$OUT/load-${procs}p.md"
        echo
    } >>"$summary"
    if [ -n "$BENCH_RATE" ]; then
        log "open loop: $BENCH_RATE req/s over $BENCH_RATE_CLIENTS connections"
        "$PY" bench/http_load.py --base "$(IFS=,; echo "${bases[*]}")" --cookies "$cookies" \
            --target ping=/ping --target html=/ --target api=/api/v1/posts/ \
            --expect ping=pong --expect html='data-post=' --expect api='"results"' --baseline ping \
            --concurrency "$BENCH_RATE_CLIENTS" --rate "$BENCH_RATE" --duration "$BENCH_RATE_DURATION" \
            --rounds "$BENCH_ROUNDS" --warmup 0 "${server_args[@]}" --label "$procs process(es), open loop" \
            --json "$OUT/rate-${procs}p.json" 2>"$OUT/rate-${procs}p.log" >"$OUT/rate-${procs}p.md"
        {
            echo "### $procs daphne process(es), open loop at $BENCH_RATE req/s over $BENCH_RATE_CLIENTS connections, median of $BENCH_ROUNDS rounds of ${BENCH_RATE_DURATION} s"
            echo
            cat "$OUT/rate-${procs}p.md"
            echo
        } >>"$summary"
    fi
    cleanup_servers_pids=("${pids[@]}")
    for pid in "${cleanup_servers_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$summary"
{ echo; echo "### Queries per page"; echo; sed -n '/^### /,/^#### Plan/p' "$OUT/queries.md" | grep -v '^#### Plan'; } >>"$summary"
cat "$summary"
log "raw results in $OUT"
