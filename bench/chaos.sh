#!/usr/bin/env bash
# The chaos run of issue 10.7, full form, RUNS times in a row (stops at the first unclean run):
# two daphne processes on PostgreSQL and a private redis-server, SENDERS senders resending with
# the same client_id until acknowledged, RECEIVERS receivers resubscribing with `after`, while
# the processes and Redis are killed with SIGKILL and restarted. Each run's report is a JSON
# line in bench/results/chaos-<time>.jsonl. Everything runs on 127.0.0.1 and stops by itself.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/intranet_chaos bash bench/chaos.sh
#   knobs: CHAOS_RUNS (3), CHAOS_SECONDS (60), CHAOS_SENDERS (20), CHAOS_RECEIVERS (50),
#          CHAOS_RATE (60 messages/s in all), CHAOS_KILL_EVERY (5 s)
# The short form (15 s, 3 senders, 4 receivers) is tests/realtime/test_chaos.py in the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server (the test database is made from it)}"
export CHAOS_SECONDS="${CHAOS_SECONDS:-60}" CHAOS_SENDERS="${CHAOS_SENDERS:-20}"
export CHAOS_RECEIVERS="${CHAOS_RECEIVERS:-50}" CHAOS_RATE="${CHAOS_RATE:-60}" CHAOS_KILL_EVERY="${CHAOS_KILL_EVERY:-5}"
export REQUIRE_SERVICES=1
mkdir -p bench/results
export CHAOS_REPORT="bench/results/chaos-$(date +%Y%m%d-%H%M%S).jsonl"
for run in $(seq "${CHAOS_RUNS:-3}"); do
    echo "== chaos run $run (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    .venv/bin/python -m pytest -q -n 0 tests/realtime/test_chaos.py --reuse-db >"${CHAOS_REPORT%.jsonl}-run$run.log" 2>&1 || { tail -40 "${CHAOS_REPORT%.jsonl}-run$run.log"; exit 1; }
    tail -1 "${CHAOS_REPORT%.jsonl}-run$run.log"
done
echo "== reports: $CHAOS_REPORT"
cat "$CHAOS_REPORT"
