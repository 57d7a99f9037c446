#!/usr/bin/env bash
# The benchmark data (issue 17): 2,000 users, 50 departments, 100,000 posts (with ~200,000
# comments and ~300,000 reactions), written with bulk_create by seed_demo in about 1-2
# minutes, once: a database that already has them is left as it is.
#
#   bash bench/seed.sh [database name]      # default intranet_speed
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
DB="${1:-intranet_speed}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
export DATABASE_URL="$PG/$DB"
if ! psql "$PG/postgres" -tAc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    psql "$PG/postgres" -qc "create database \"$DB\""
fi
"$PY" manage.py migrate --noinput -v0
posts="$(psql "$PG/$DB" -tAc 'select count(*) from feed_post')"
if [ "$posts" -ge 100000 ]; then
    echo "[seed] $DB already has $posts posts"
    exit 0
fi
/usr/bin/env time -f "[seed] %e s wall, max RSS %M KiB" "$PY" manage.py seed_demo --no-photos \
    --users 2000 --departments 50 --posts 100000 --comments-per-post 2 --reactions-per-post 3
