#!/usr/bin/env bash
# Automatic captions' speed (issue 11): PocketSphinx × real time on 10 s and 60 s of speech,
# beside ffmpeg's decode alone and the same length of silence. See bench/speech_bench.py.
#   BENCH_RUNS=3 BENCH_LENGTHS=10,60 bash bench/speech_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PY:-.venv/bin/python}" bench/speech_bench.py "$@"
