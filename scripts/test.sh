#!/usr/bin/env bash
# Lint, then run the test suite with pytest from the project's virtualenv.
#
#   scripts/test.sh [pytest args...]        (normally via `make test`)
#
# Environment:
#   PYTEST_ARGS   extra pytest arguments, shell-quoted (e.g. PYTEST_ARGS="-x -k 'chat and not slow'")
#   PYTEST_WORKERS  parallel pytest-xdist workers (default: one more than the CPUs, since much of the
#                 suite waits on PostgreSQL, Chromium, daphne and ffmpeg; 0: one process, no xdist).
#                 Each worker has its own test database and Redis names (tests/isolation.py).
#   REDIS_URL     when unset and redis-server exists, a throwaway Redis is started on a
#                 free port for this run only and REDIS_URL points to it
#   DATABASE_URL  passed through untouched (unset: SQLite)
#   VENV          virtualenv directory (default .venv)
#
# The exit status is pytest's, so 5 ("no tests collected") is a failure too.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
    echo "error: $PY not found; run 'make test' (or 'make venv') first." >&2
    exit 1
fi

# --- Lint: report both checks, then stop before the (slower) tests if either failed.
lint_status=0
echo "== ruff check"
"$PY" -m ruff check . || lint_status=1
echo "== ruff format --check"
"$PY" -m ruff format --check . || lint_status=1
if [ "$lint_status" -ne 0 ]; then
    echo "error: lint failed (run 'make format' to fix formatting)." >&2
    exit 1
fi

# --- Cleanup: the throwaway Redis (below) is killed by its PID when this script exits,
# whatever the reason; the temporary directory holds its log and the parsed arguments.
redis_pid=""
tmpdir="$(mktemp -d)"
cleanup() {
    if [ -n "$redis_pid" ]; then
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
    rm -rf "$tmpdir"
}
trap cleanup EXIT
# A background job in a non-interactive shell ignores Ctrl-C, so turn INT/TERM into a
# normal exit that runs the cleanup above.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- pytest arguments. PYTEST_ARGS is split like a shell would (quotes respected), without eval.
pytest_args=()
if [ -n "${PYTEST_ARGS:-}" ]; then
    if ! "$PY" -c 'import os, shlex, sys; sys.stdout.write("".join(a + "\0" for a in shlex.split(os.environ["PYTEST_ARGS"])))' \
        >"$tmpdir/pytest-args" 2>/dev/null; then
        echo "error: PYTEST_ARGS is not valid shell quoting: $PYTEST_ARGS" >&2
        exit 2
    fi
    mapfile -d '' -t pytest_args <"$tmpdir/pytest-args"
fi

# --- Throwaway Redis, only when no REDIS_URL was given.
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_answers() { # port: true once the server replies +PONG
    "$PY" - "$1" <<'PY' >/dev/null 2>&1
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5) as s:
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
PY
}

start_redis() { # start redis-server on a free port; sets redis_pid and REDIS_URL
    local attempt port
    for attempt in 1 2 3; do # the free port can be taken before redis binds it: retry
        port="$(free_port)"
        redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
            --dir "$tmpdir" --daemonize no >"$tmpdir/redis.log" 2>&1 &
        redis_pid=$!
        for _ in $(seq 50); do # up to ~5 s
            if redis_answers "$port"; then
                export REDIS_URL="redis://127.0.0.1:$port/0"
                echo "== throwaway redis-server (pid $redis_pid) at $REDIS_URL"
                return 0
            fi
            kill -0 "$redis_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
        redis_pid=""
        echo "warning: redis-server on port $port did not start (attempt $attempt):" >&2
        cat "$tmpdir/redis.log" >&2 || true
    done
    echo "error: could not start a throwaway redis-server." >&2
    return 1
}

if [ -z "${REDIS_URL:-}" ]; then
    if command -v redis-server >/dev/null 2>&1; then
        start_redis
    else
        echo "note: REDIS_URL is unset and redis-server is not installed: Redis tests will be skipped."
    fi
fi

# --- pytest, in parallel: -n first, so that a -n in PYTEST_ARGS or the arguments wins.
# One worker more than the CPUs: on 2 cores, 3 workers ran the suite in 843 s against 935 s for 2.
cpus="$("$PY" -c 'import os; print(len(os.sched_getaffinity(0)))' 2>/dev/null || echo 1)"
pytest_args=(-n "${PYTEST_WORKERS:-$((cpus + 1))}" "${pytest_args[@]}" "$@")
echo "== pytest$(printf ' %q' "${pytest_args[@]}")"
status=0
"$PY" -m pytest "${pytest_args[@]}" || status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests (exit status 5)." >&2
fi
exit "$status"
