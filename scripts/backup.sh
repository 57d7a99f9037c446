#!/usr/bin/env bash
# A backup of the intranet: the database (pg_dump, custom format) and the uploaded files (MEDIA_ROOT).
#
#   scripts/backup.sh BACKUP_DIR        (nightly: deploy/systemd/intranet-backup.timer)
#
# Reads DATABASE_URL (PostgreSQL) and MEDIA_ROOT (default ./media) from the environment, as the app
# does. Writes BACKUP_DIR/intranet-<UTC time>/ with db.dump, media.tar.gz and SHA256SUMS; the folder
# appears under its final name only when complete. Keeps the newest BACKUP_KEEP (default 14).
#
# Consistency: pg_dump reads one snapshot of the database. The media tarball is made after it, and
# uploads are never changed in place (a new upload is a new file), so every file the dump refers to
# is in the tarball; files uploaded during the backup may be in it too, unreferenced, and harmless.
set -euo pipefail
cd "$(dirname "$0")/.."

dest_root="${1:?usage: scripts/backup.sh BACKUP_DIR}"
: "${DATABASE_URL:?DATABASE_URL must point to the PostgreSQL database}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *) echo "error: backups need PostgreSQL (DATABASE_URL)" >&2; exit 2 ;; esac
media_root="${MEDIA_ROOT:-./media}"
keep="${BACKUP_KEEP:-14}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$dest_root/intranet-$stamp"
partial="$final.partial"
mkdir -p "$dest_root"
rm -rf "$partial"
mkdir -m 700 "$partial"
trap 'rm -rf "$partial"' EXIT

pg_dump --format=custom --compress=6 --no-owner --no-privileges --file "$partial/db.dump" --dbname "$DATABASE_URL"
if [ -d "$media_root" ]; then
    tar -C "$media_root" -czf "$partial/media.tar.gz" .
else
    tar -czf "$partial/media.tar.gz" --files-from /dev/null
fi
(cd "$partial" && sha256sum db.dump media.tar.gz >SHA256SUMS)
mv "$partial" "$final"
trap - EXIT
echo "$final"

# Retention: the newest $keep complete backups stay.
mapfile -t old < <(find "$dest_root" -maxdepth 1 -type d -name 'intranet-*' ! -name '*.partial' | sort -r | tail -n +"$((keep + 1))")
for dir in "${old[@]}"; do rm -rf "$dir"; done
