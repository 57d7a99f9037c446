#!/usr/bin/env bash
# Chat fan-out benchmark (bench/chat_fanout.py), run by `make bench` (bench/run.sh).
#
#   bash bench/chat_bench.sh                 # the full run: N = 10, 100, 500, 1000; 3 runs; 5,000 idle sockets
#   bash bench/chat_bench.sh --quick         # a smoke run
#   CHAT_BENCH_ARGS="--sizes 500 --runs 5" bash bench/chat_bench.sh
#
# Starts its own daphne processes, baseline server and redis-server on free ports of
# 127.0.0.1, and stops them by PID. Results: bench/results/chat-*.json and a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
# shellcheck disable=SC2086 # CHAT_BENCH_ARGS is split on purpose
exec "$PY" bench/chat_fanout.py ${CHAT_BENCH_ARGS:-} "$@"
