#!/usr/bin/env bash
# Video benchmarks (issue 11): transcoding speed vs real time, HLS segments through the
# authorised view vs static files, tus upload vs one request. See bench/videos_bench.py.
#   BENCH_RUNS=3 BENCH_PRESETS=ultrafast,veryfast bash bench/videos_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PY:-.venv/bin/python}" bench/videos_bench.py "$@"
