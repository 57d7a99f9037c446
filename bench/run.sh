#!/usr/bin/env bash
# Entry point of `make bench`: runs every bench/*_bench.sh in turn (feed, chat, ...).
#
#   bash bench/run.sh            # all benchmarks
#   bash bench/run.sh feed       # only bench/feed_bench.sh (names without _bench.sh)
#
# Each script starts and stops its own servers, stays on 127.0.0.1, and writes its raw
# results under bench/results/ (git-ignored). Add a benchmark by adding bench/<name>_bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts=()
if [ "$#" -gt 0 ]; then
    for name in "$@"; do
        [ -f "bench/${name}_bench.sh" ] || { echo "no bench/${name}_bench.sh" >&2; exit 2; }
        scripts+=("bench/${name}_bench.sh")
    done
else
    for script in bench/*_bench.sh; do
        [ -e "$script" ] && scripts+=("$script")
    done
fi

status=0
for script in "${scripts[@]}"; do
    echo "=== $script" >&2
    bash "$script" || { status=$?; echo "=== $script failed ($status)" >&2; }
done
exit "$status"
