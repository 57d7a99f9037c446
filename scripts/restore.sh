#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and an empty media folder.
#
#   scripts/restore.sh BACKUP_DIR/intranet-<time>
#
# Reads DATABASE_URL (the new, empty PostgreSQL database: `createdb intranet_restored`) and
# MEDIA_ROOT (missing or empty). Checks the checksums first, refuses a database that has tables or
# a media folder that has files, restores in one transaction, then runs `manage.py migrate` (a
# backup from an older release is brought up to this code's schema). Stop the app processes, or
# point them at the restored database and media folder afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

backup="${1:?usage: scripts/restore.sh BACKUP_DIR/intranet-<time>}"
: "${DATABASE_URL:?DATABASE_URL must point to the new, empty PostgreSQL database}"
media_root="${MEDIA_ROOT:-./media}"

(cd "$backup" && sha256sum --check --quiet SHA256SUMS)

tables="$(psql "$DATABASE_URL" -XtAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
    echo "error: the database of DATABASE_URL has $tables tables; restore into a new, empty one." >&2
    exit 1
fi
if [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ]; then
    echo "error: MEDIA_ROOT ($media_root) is not empty; restore into a new, empty folder." >&2
    exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$DATABASE_URL" "$backup/db.dump"
mkdir -p "$media_root"
tar -C "$media_root" -xzf "$backup/media.tar.gz"
"$PY" manage.py migrate --noinput
echo "restored $backup into the database of DATABASE_URL and $media_root"
