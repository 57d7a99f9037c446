#!/usr/bin/env bash
# A/B of a database change on the feed benchmark, without touching the app's code:
# runs the load (ping, html, api) on the seeded benchmark database, applies $EXPERIMENT_SQL
# (default: the partial index recommended in BENCHMARKS.md), runs the same load again,
# then undoes it with $EXPERIMENT_UNDO, so the benchmark database keeps the app's schema.
#
#   bash bench/feed_index_experiment.sh     # after bench/feed_bench.sh has seeded intranet_bench
#
# Same knobs as feed_bench.sh (BENCH_DB, BENCH_PORT, BENCH_CONCURRENCY, BENCH_DURATION,
# BENCH_ROUNDS, BENCH_SESSIONS); one daphne process; 127.0.0.1 only; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

BENCH_DB="${BENCH_DB:-intranet_bench}"
BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BENCH_PORT="${BENCH_PORT:-8111}"
BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-1,20}"
BENCH_DURATION="${BENCH_DURATION:-8}"
BENCH_ROUNDS="${BENCH_ROUNDS:-3}"
BENCH_SESSIONS="${BENCH_SESSIONS:-50}"
EXPERIMENT_SQL="${EXPERIMENT_SQL:-CREATE INDEX bench_post_announcement_feed ON feed_post (published_at DESC, id DESC) WHERE kind = 'announcement'; ANALYZE feed_post;}"
EXPERIMENT_UNDO="${EXPERIMENT_UNDO:-DROP INDEX IF EXISTS bench_post_announcement_feed; ANALYZE feed_post;}"

OUT="bench/results/feed-experiment-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
export DATABASE_URL="$BENCH_PG/$BENCH_DB" REDIS_URL="${BENCH_REDIS_URL-redis://127.0.0.1:6379/11}"
export DEBUG=0 HTTPS=0 SERVE_STATIC=1 ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING
export SECRET_KEY="${SECRET_KEY:-bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz}"

pid=""
cookies="$OUT/cookies.txt"
applied=0
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    pid=""
    if [ "$applied" = 1 ]; then psql "$DATABASE_URL" -q -c "$EXPERIMENT_UNDO" >/dev/null || true; applied=0; fi
    if [ -f "$cookies" ]; then "$PY" bench/make_sessions.py --delete "$cookies" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$PY" bench/make_sessions.py --users "$BENCH_SESSIONS" --out "$cookies" >&2

run_load() {
    local label="$1"
    "$PY" -m daphne -b 127.0.0.1 -p "$BENCH_PORT" intranet.asgi:application >"$OUT/daphne-$label.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "http://127.0.0.1:$BENCH_PORT/healthz" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { echo "daphne died" >&2; exit 1; }
        sleep 0.5
    done
    "$PY" bench/http_load.py --base "http://127.0.0.1:$BENCH_PORT" --cookies "$cookies" \
        --target ping=/ping --target html=/ --target api=/api/v1/posts/ \
        --expect ping=pong --expect html='data-post=' --expect api='"results"' --baseline ping \
        --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" --rounds "$BENCH_ROUNDS" --warmup 2 \
        --server-pid "$pid" --label "$label" --json "$OUT/load-$label.json" 2>"$OUT/load-$label.log" >"$OUT/load-$label.md"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    { echo "### $label ($(cut -d' ' -f1-3 /proc/loadavg) load average)"; echo; cat "$OUT/load-$label.md"; echo; } >>"$OUT/summary.md"
}

echo "Experiment: $EXPERIMENT_SQL" >"$OUT/summary.md"
echo >>"$OUT/summary.md"
run_load before
psql "$DATABASE_URL" -q -c "$EXPERIMENT_SQL"
applied=1
"$PY" bench/feed_queries.py --out "$OUT/queries-after.md" >/dev/null
run_load after
cat "$OUT/summary.md"
echo "raw results in $OUT" >&2
