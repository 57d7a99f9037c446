"""Backups that restore: scripts/backup.sh, then scripts/restore.sh into a new database and media folder.

Content is made through the services (a post with an attachment, a department image, a chat
message), backed up, and restored into a database of its own; the restored database holds the
same rows in every table, and a daphne serving it (with the restored media folder) shows the same
post, file bytes and message to the same session.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.chat import services as chat_services
from apps.chat.models import Room
from apps.departments.services import department_set_image
from apps.feed import services as feed_services
from tests.chat.servers import REPO_ROOT, Daphne, daphne_env, start_all, stop_all
from tests.factories import image_bytes
from tests.sockets import session_cookie

pytestmark = [
    pytest.mark.topology,
    pytest.mark.needs_postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("topology"),  # after the stacks, not beside them, on a 2-core machine
]


def _url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(name)))


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        tables = [row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in sorted(tables)}


@pytest.fixture
def fresh_database():
    """A new, empty database next to the test database (intranet_topo_restore_...), dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    yield _url(name)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(server: Daphne, path: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(server.url + path, headers={"Cookie": f"sessionid={cookie}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _run(script: str, *args: str, **env: str) -> str:
    result = subprocess.run(
        ["bash", f"scripts/{script}", *args], cwd=REPO_ROOT, env={**os.environ, "PY": sys.executable, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_a_backup_restores_into_a_new_database_and_media_folder(member, department, tmp_path, fresh_database):
    pdf = b"%PDF-1.4\n" + os.urandom(50_000) + b"\n%%EOF\n"
    post = feed_services.post_create(
        acting_user=member, department=department, body="Before the backup",
        attachments=[SimpleUploadedFile("plan.pdf", pdf)],
    )  # fmt: skip
    department_set_image(
        acting_user=None, department=department, upload=SimpleUploadedFile("d.png", image_bytes("PNG"))
    )
    room = Room.objects.get(department=department)
    message, _ = chat_services.message_send(acting_user=member, room_id=room.pk, body="Still here after a restore")
    cookie = session_cookie(member)  # sessions are in the database: the same login works after the restore

    test_db = _url(connection.settings_dict["NAME"])
    media = Path(settings.MEDIA_ROOT)
    backups = tmp_path / "backups"
    backup = Path(_run("backup.sh", str(backups), DATABASE_URL=test_db, MEDIA_ROOT=str(media)).strip())
    assert sorted(path.name for path in backup.iterdir()) == ["SHA256SUMS", "db.dump", "media.tar.gz"]
    assert [path.name for path in backups.iterdir()] == [backup.name]  # no .partial left behind

    # Restore refuses a database that is not empty (the test database is not).
    refused = subprocess.run(
        ["bash", "scripts/restore.sh", str(backup)], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**os.environ, "PY": sys.executable, "DATABASE_URL": test_db, "MEDIA_ROOT": str(tmp_path / "unused")},
    )  # fmt: skip
    assert refused.returncode == 1 and "restore into a new, empty one" in refused.stderr

    restored_media = tmp_path / "restored-media"
    _run("restore.sh", str(backup), DATABASE_URL=fresh_database, MEDIA_ROOT=str(restored_media))

    # The same rows in every table, the same files byte for byte.
    assert _row_counts(fresh_database) == _row_counts(test_db)
    originals = {path.relative_to(media): path.read_bytes() for path in media.rglob("*") if path.is_file()}
    copies = {
        path.relative_to(restored_media): path.read_bytes() for path in restored_media.rglob("*") if path.is_file()
    }
    assert copies == originals and len(originals) >= 2

    # A daphne on the restored database and media folder serves the same content to the same session.
    env = daphne_env(redis_url=os.environ.get("REDIS_URL", ""), workdir=tmp_path, DATABASE_URL=fresh_database,
                     MEDIA_ROOT=str(restored_media))  # fmt: skip
    if not env["REDIS_URL"]:
        env.pop("REDIS_URL")
    server = start_all([Daphne("daphne-restored", env, tmp_path / "daphne-restored.log")])[0]
    try:
        status, body = _get(server, f"/api/v1/posts/{post.pk}/", cookie)
        assert status == 200, body
        served = json.loads(body)
        assert served["body"] == "Before the backup"
        status, file_bytes = _get(server, urlsplit(served["attachments"][0]["url"]).path, cookie)
        assert status == 200 and file_bytes == pdf
        status, body = _get(server, f"/api/v1/chat/rooms/{room.pk}/messages/", cookie)
        assert status == 200, body
        assert [m["body"] for m in json.loads(body)["results"]] == [message.body]
        status, page = _get(server, f"/feed/posts/{post.pk}/", cookie)
        assert status == 200 and b"Before the backup" in page
    finally:
        stop_all([server])
