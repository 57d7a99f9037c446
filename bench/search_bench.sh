#!/usr/bin/env bash
# Search benchmark (issue 15): GET /api/v1/search/ for a common word, a rare word and a
# two-word phrase, against the trivial logged-in /ping of the same server, in the same run,
# at company scale on PostgreSQL; plus the index's size and the time to build it from scratch.
#
#   bash bench/search_bench.sh           # or: make bench (runs every bench/*_bench.sh)
#
# 1. migrates $BENCH_DATABASE_URL and seeds it (idempotent): seed_demo with $BENCH_USERS
#    users, $BENCH_DEPARTMENTS departments, $BENCH_POSTS posts and $BENCH_COMMENTS comments
#    per post, then bench/search_seed.py for $BENCH_MESSAGES chat messages (COPY);
# 2. rebuilds the index from scratch with `manage.py search_index` (timed), VACUUM ANALYZE,
#    and records table and index sizes;
# 3. starts one daphne (DEBUG=0) on 127.0.0.1:$BENCH_PORT, logs $BENCH_SESSIONS seeded
#    people in, runs bench/http_load.py (ping, common, rare, phrase interleaved) at
#    $BENCH_CONCURRENCY for $BENCH_ROUNDS rounds, and stops the server it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BENCH_DB="${BENCH_DB:-intranet_search}"
BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-$BENCH_PG/$BENCH_DB}"
BENCH_REDIS_URL="${BENCH_REDIS_URL-redis://127.0.0.1:6379/5}"
BENCH_USERS="${BENCH_USERS:-2000}"
BENCH_DEPARTMENTS="${BENCH_DEPARTMENTS:-50}"
BENCH_POSTS="${BENCH_POSTS:-100000}"
BENCH_COMMENTS="${BENCH_COMMENTS:-3}"
BENCH_MESSAGES="${BENCH_MESSAGES:-1000000}"
BENCH_PORT="${BENCH_PORT:-8161}"
BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-1,20}"
BENCH_DURATION="${BENCH_DURATION:-10}"
BENCH_ROUNDS="${BENCH_ROUNDS:-3}"
BENCH_SESSIONS="${BENCH_SESSIONS:-20}"
BENCH_REBUILD="${BENCH_REBUILD:-1}"
# BENCH_SKIP_SEED=1: data already loaded (seed_demo at this size takes many minutes on a busy box).

OUT="bench/results/search-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
export DATABASE_URL="$BENCH_DATABASE_URL" REDIS_URL="$BENCH_REDIS_URL"
export DEBUG=0 HTTPS=0 SERVE_STATIC=1 ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING
export SECRET_KEY="${SECRET_KEY:-bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz}"

pid=""
cookies="$OUT/cookies.txt"
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if [ -f "$cookies" ]; then "$PY" bench/make_sessions.py --delete "$cookies" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
log() { echo "[search-bench] $*" >&2; }

{
    echo "date: $(date -Is); commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "nproc: $(nproc); memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "postgresql: $(psql "$BENCH_PG/postgres" -tAc 'show server_version' 2>/dev/null || echo '?')"
} >"$OUT/env.txt"

"$PY" manage.py migrate --noinput -v0
log "seeding (idempotent)"
[ "${BENCH_SKIP_SEED:-0}" = 1 ] || "$PY" manage.py seed_demo --no-photos --users "$BENCH_USERS" --departments "$BENCH_DEPARTMENTS" \
    --posts "$BENCH_POSTS" --comments-per-post "$BENCH_COMMENTS" --reactions-per-post 0 --no-search-index >"$OUT/seed.log" 2>&1
"$PY" bench/search_seed.py --messages "$BENCH_MESSAGES" >>"$OUT/seed.log" 2>&1
if [ "$BENCH_REBUILD" = 1 ]; then
    log "rebuilding the index from scratch"
    /usr/bin/env time -f "index build wall time: %e s" "$PY" manage.py search_index 2>&1 | tee "$OUT/build.txt" >&2
fi
psql "$BENCH_DATABASE_URL" -c "VACUUM ANALYZE search_document" >/dev/null
psql "$BENCH_DATABASE_URL" -tA -F ' | ' >"$OUT/sizes.txt" <<'SQL'
select 'documents', count(*)::text from search_document
union all select 'rows by kind', string_agg(kind || ' ' || n, ', ') from (select kind, count(*) n from search_document group by kind order by kind) k
union all select 'table (heap + toast)', pg_size_pretty(pg_table_size('search_document'))
union all select 'GIN tsvector index', pg_size_pretty(pg_relation_size('search_doc_vector'))
union all select 'trigram index (people, departments)', pg_size_pretty(pg_relation_size('search_doc_title_trgm'))
union all select 'all indexes', pg_size_pretty(pg_indexes_size('search_document'))
union all select 'posts / comments / messages', (select count(*) from feed_post)::text || ' / ' || (select count(*) from feed_comment)::text || ' / ' || (select count(*) from chat_message)::text
union all select 'users', (select count(*) from accounts_user)::text;
SQL
cat "$OUT/sizes.txt" >&2

"$PY" bench/make_sessions.py --users "$BENCH_SESSIONS" --out "$cookies" >&2
"$PY" -m daphne -b 127.0.0.1 -p "$BENCH_PORT" intranet.asgi:application >"$OUT/daphne.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$BENCH_PORT/healthz" 2>/dev/null && break; sleep 0.5; done
log "load: concurrency $BENCH_CONCURRENCY, $BENCH_ROUNDS rounds of ${BENCH_DURATION}s per target"
"$PY" bench/http_load.py --base "http://127.0.0.1:$BENCH_PORT" --cookies "$cookies" \
    --target ping=/ping \
    --target common='/api/v1/search/?q=customer' \
    --target rare='/api/v1/search/?q=zyxquorum' \
    --target phrase='/api/v1/search/?q=%22customer+meeting%22' \
    --expect ping=pong --expect common='"results"' --expect rare='"results"' --expect phrase='"results"' \
    --baseline ping --concurrency "$BENCH_CONCURRENCY" --duration "$BENCH_DURATION" --rounds "$BENCH_ROUNDS" \
    --warmup 2 --server-pid "$pid" --label "1 daphne process" --json "$OUT/load.json" \
    2>"$OUT/load.log" >"$OUT/load.md"
{ echo "## Search benchmark"; sed 's/^/    /' "$OUT/env.txt"; echo; cat "$OUT/build.txt" 2>/dev/null; echo; cat "$OUT/sizes.txt"; echo; cat "$OUT/load.md"; } | tee "$OUT/summary.md"
log "raw results in $OUT"
