#!/usr/bin/env bash
# Install Debian packages with apt-get when something the project needs is missing.
#
#   scripts/apt_install.sh "<what needs them>" "<command or /path to check>..." package...
#
# Nothing happens when every command is on PATH and every path exists. Otherwise the packages are
# installed as root, or through sudo; without either it says what to run and fails, so a missing
# tool is one clear message instead of a test failing later for a reason that is hard to see.
set -euo pipefail
needed_by=$1 checks=$2
shift 2

missing=0
for check in $checks; do
    case "$check" in
    */*) [ -e "$check" ] || missing=1 ;;
    *) command -v "$check" >/dev/null 2>&1 || missing=1 ;;
    esac
done
[ "$missing" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "error: $* missing and $needed_by needs it." >&2
    echo "  Install it as root: apt-get update && apt-get install -y --no-install-recommends $*" >&2
    exit 1
fi
echo "Installing $* (apt-get) for $needed_by"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
