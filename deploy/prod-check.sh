#!/usr/bin/env bash
# Validate the production files in deploy/ (`make prod-check`):
#   1. `nginx -t` on deploy/nginx/intranet.conf, rendered into a temporary directory with a
#      self-signed certificate (deploy/render_nginx.py changes only its "# deploy:" lines);
#   2. `manage.py check --deploy --fail-level WARNING` with the settings of ENV_FILE (default:
#      deploy/intranet.env.example, its CHANGE-ME secret replaced by a generated one).
# On a server: ENV_FILE=/srv/intranet/intranet.env make prod-check, and `nginx -t` for the installed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
ENV_FILE="${ENV_FILE:-deploy/intranet.env.example}"
NGINX="${NGINX:-/usr/sbin/nginx}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== nginx -t on deploy/nginx/intranet.conf"
conf="$("$PY" deploy/render_nginx.py "$tmp" --cert)"
mkdir -p "$tmp/static" "$tmp/media"
"$NGINX" -t -q -c "$conf"
echo "nginx: deploy/nginx/intranet.conf is valid"

echo "== manage.py check --deploy with $ENV_FILE"
# Only the variables of the file, nothing from this shell (a developer's DEBUG=1 must not hide a warning).
env_args=()
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    env_args+=("$line")
done <"$ENV_FILE"
secret="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
env -i PATH="$PATH" HOME="${HOME:-/tmp}" "${env_args[@]}" \
    $(grep -q '^SECRET_KEY=CHANGE-ME' "$ENV_FILE" && echo "SECRET_KEY=$secret") \
    "$PY" manage.py check --deploy --fail-level WARNING
