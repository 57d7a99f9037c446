#!/usr/bin/env bash
# Print the absolute path of the first Python >= 3.12 found on this machine.
#
# Candidates, in order (the first that runs and reports >= 3.12 wins):
#   $PYTHON (if set), python3.13, python3.12,
#   ~/.pyenv/versions/3.13*/bin/python3, ~/.pyenv/versions/3.12*/bin/python3,
#   /usr/local/bin/python3.1[2-9], python3
# Errors of broken candidates are hidden: a pyenv shim such as `python3.12` exists on
# PATH everywhere but fails unless a .python-version selects it.
# Exits 1 with an explanation on stderr when none qualifies.
set -euo pipefail
shopt -s nullglob

# Newest first within one glob (3.13.10 before 3.13.9), hence sort -rV.
newest_first() { [ "$#" -gt 0 ] && printf '%s\n' "$@" | sort -rV; return 0; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.13 python3.12)
mapfile -t -O "${#candidates[@]}" candidates < <(newest_first "$HOME"/.pyenv/versions/3.13*/bin/python3)
mapfile -t -O "${#candidates[@]}" candidates < <(newest_first "$HOME"/.pyenv/versions/3.12*/bin/python3)
mapfile -t -O "${#candidates[@]}" candidates < <(newest_first /usr/local/bin/python3.1[2-9])
candidates+=(python3)

for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3,12))' >/dev/null 2>&1; then
        # Print the real interpreter, not a shim, so the venv does not depend on pyenv.
        resolved="$("$candidate" -c 'import sys; print(sys.executable)' 2>/dev/null || true)"
        printf '%s\n' "${resolved:-$(command -v "$candidate")}"
        exit 0
    fi
done

cat >&2 <<MSG
error: Python 3.12 or newer is required, but none was found.
  Tried: ${candidates[*]}
  Install one, for example:
    - pyenv:         pyenv install 3.12   (then re-run make)
    - Debian/Ubuntu: apt-get install python3.12 python3.12-venv   (Debian 13, Ubuntu 24.04+)
  or point to an existing interpreter: make PYTHON=/path/to/python3.12 ...
MSG
exit 1
