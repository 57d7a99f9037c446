"""The production topology, through nginx: TLS, the app on two daphne processes, the worker, PostgreSQL, Redis.

nginx runs deploy/nginx/intranet.conf and every process the command of its systemd unit
(tests/topology/stack.py). Through nginx, as a browser and an API client would: login, a page, the
API, an upload served by nginx after the app's check (and refused to an outsider), byte ranges (a
PDF, a video's MP4 and HLS segment), static files with cache headers and compression, security
headers exactly once, /healthz, the client's real address (lockouts), a WebSocket message between the two processes, a scheduled post
published by the worker (its log lines with the request id that queued it), and one daphne killed
while the other keeps serving.
"""

import asyncio
import http.client
import json
import os
import re
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from channels.db import database_sync_to_async
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.chat.models import Room
from apps.feed.models import Post
from apps.videos.demo import make_clip
from apps.videos.media import ffmpeg_path
from apps.videos.models import Video
from tests.sockets import cookie_for
from tests.topology.conftest import PASSWORD
from tests.topology.stack import METRICS_TOKEN, Browser, TlsSocket

pytestmark = [
    pytest.mark.topology,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("topology"),  # one stack at a time on a 2-core machine
]

# Set by Django on its responses; nginx must not add a second copy (deploy/nginx/intranet.conf).
DJANGO_SECURITY_HEADERS = [
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
]


def once(response, *names: str) -> None:
    for name in names:
        assert len(response.all(name)) == 1, f"{name}: {response.all(name)}"


def test_nginx_in_front_of_two_daphne_processes_and_the_worker(stack, member, manager, outsider, department):
    # --- Plain HTTP goes to HTTPS (the app's own redirect is never needed behind nginx).
    plain = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=5)
    plain.request("GET", "/feed/", headers={"Host": "127.0.0.1"})
    redirect = plain.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://127.0.0.1/feed/"
    plain.close()

    # --- Readiness through nginx: the health check location.
    health = Browser(stack).get("/healthz")
    assert health.status == 200
    assert health.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}

    # --- Login through the real form, then a page: security headers once each, HSTS, gzip for HTML.
    browser = Browser(stack, source="127.0.0.2")
    assert browser.login(member.email, PASSWORD).status == 302
    page = browser.get("/", Accept_Encoding="gzip")
    assert page.status == 200
    assert page.header("Content-Encoding") == "gzip"
    once(page, *DJANGO_SECURITY_HEADERS, "X-Request-ID")
    assert "max-age=31536000" in page.header("Strict-Transport-Security")
    assert page.header("Server") == "nginx"  # server_tokens off: no version
    assert all("secure" in cookie.lower() for cookie in page.all("Set-Cookie") or ["secure"])

    # The access log: one JSON line for that request, with its id, the user, the path, the status.
    lines = [json.loads(line) for d in stack.daphnes for line in d.log().splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line.get("request_id") == page.header("X-Request-ID")]
    assert (access["logger"], access["user_id"], access["path"], access["status"]) == (
        "intranet.access", member.pk, "/", 200)  # fmt: skip
    assert access["duration_ms"] > 0

    # --- Metrics: never through nginx; each process on its own port with the operator's token.
    assert browser.get("/metrics", Authorization=f"Bearer {METRICS_TOKEN}").status == 404
    scrape = http.client.HTTPConnection("127.0.0.1", stack.daphnes[0].port, timeout=5)
    scrape.request("GET", "/metrics", headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https",
                                               "Authorization": f"Bearer {METRICS_TOKEN}"})  # fmt: skip
    metrics = scrape.getresponse()
    assert metrics.status == 200
    assert b"intranet_http_requests_total" in metrics.read()
    scrape.close()

    # --- The API with a token obtained through nginx.
    api = Browser(stack, source="127.0.0.3")
    token = api.post_json("/api/v1/auth/token/", {"email": manager.email, "password": PASSWORD})
    assert token.status == 200, token.body
    auth = {"Authorization": f"Token {token.json()['token']}"}
    me = api.request("GET", "/api/v1/users/me/", headers=auth)
    assert me.status == 200, me.body
    once(me, "Content-Security-Policy", "X-Content-Type-Options")

    # --- An upload through nginx (multipart, through client_max_body_size), served by nginx after the check.
    pdf = b"%PDF-1.4\n" + os.urandom(300_000) + b"\n%%EOF\n"
    created = api.post_multipart(
        "/api/v1/posts/", {"department": department.slug, "body": "Quarterly numbers"},
        [("attachments", "numbers.pdf", pdf)], **auth,
    )  # fmt: skip
    assert created.status == 201, created.body
    url = created.json()["attachments"][0]["url"]
    path = url.removeprefix(stack.url)
    assert path.startswith("/media/")
    served = browser.get(path)
    assert served.status == 200
    assert served.body == pdf
    assert served.header("X-Accel-Redirect") is None  # nginx consumed it
    # Attachments are stored without their name's extension (the name is in the database), so
    # nginx's mime.types types them as the app's own streaming path does (mimetypes by extension).
    assert served.header("Content-Type") == "application/octet-stream"
    assert served.header("Accept-Ranges") == "bytes"
    once(served, *DJANGO_SECURITY_HEADERS, "X-Request-ID", "Cache-Control", "Content-Disposition")
    assert "sandbox" in served.header("Content-Security-Policy")

    # A byte range (video seeking, HLS segments): 206 from nginx.
    part = browser.get(path, Range="bytes=100-199")
    assert part.status == 206
    assert part.body == pdf[100:200]
    assert part.header("Content-Range") == f"bytes 100-199/{len(pdf)}"

    # Larger than client_max_body_size: nginx refuses it (413) from the headers, before any byte reaches the app.
    big = http.client.HTTPSConnection("127.0.0.1", stack.https_port, context=stack.ssl_context(), timeout=10)
    big.putrequest("POST", "/api/v1/posts/", skip_host=True)
    for name, value in {"Host": f"127.0.0.1:{stack.https_port}", "Content-Length": str(121 * 1024 * 1024),
                        "Content-Type": "multipart/form-data; boundary=x", **auth}.items():  # fmt: skip
        big.putheader(name, value)
    big.endheaders()
    assert big.getresponse().status == 413
    big.close()

    # Refused to an outsider (404, like a file that does not exist) and to anonymous (login).
    stranger = Browser(stack, source="127.0.0.4")
    assert stranger.login(outsider.email, PASSWORD).status == 302
    assert stranger.get(path).status == 404
    assert Browser(stack).get(path).status == 302
    # The internal location cannot be asked for directly.
    internal = "/protected-media/" + path.removeprefix("/media/")
    assert browser.get(internal).status == 404

    # A video's files, a real clip made with ffmpeg (the row stands for what the worker leaves once
    # it has transcoded an upload, tests/videos): seeking in the MP4 and an HLS segment, 206 from
    # nginx with the type from its mime.types; refused to an outsider.
    video = Video.objects.create(department=department, uploader=member, title="Closing a call",
                                 status=Video.Status.READY)  # fmt: skip
    media = stack.workdir / "media"
    segment = f"{video.folder}hls/360/seg_00000.ts"
    (media / segment).parent.mkdir(parents=True)
    make_clip(media / video.fallback_mp4, seconds=1, size="320x180")
    subprocess.run([ffmpeg_path(), "-nostdin", "-v", "error", "-i", str(media / video.fallback_mp4), "-c", "copy",
                    "-f", "mpegts", str(media / segment)], check=True, capture_output=True, timeout=60)  # fmt: skip
    for name, content_type in [(video.fallback_mp4, "video/mp4"), (segment, "video/mp2t")]:
        data = (media / name).read_bytes()
        middle = len(data) // 2
        seek = browser.get(f"/media/{name}", Range=f"bytes={middle}-", Accept_Encoding="gzip, br")
        assert seek.status == 206, (name, seek.status)
        assert seek.body == data[middle:]
        assert seek.header("Content-Range") == f"bytes {middle}-{len(data) - 1}/{len(data)}"
        assert seek.header("Content-Type") == content_type
        assert seek.header("Content-Encoding") is None  # never compressed: it is video
    assert stranger.get(f"/media/{video.fallback_mp4}").status == 404

    # --- Static files from nginx: cache headers, compression (gzip and brotli), nosniff once.
    css = browser.get("/static/css/app.css")
    assert css.status == 200
    assert css.header("Cache-Control") == "max-age=604800"
    once(css, "X-Content-Type-Options", "Cache-Control", "Expires")
    assert browser.get("/static/css/app.css", Accept_Encoding="gzip").header("Content-Encoding") == "gzip"
    assert browser.get("/static/css/app.css", Accept_Encoding="br").header("Content-Encoding") == "br"
    assert browser.get("/static/img/favicon.svg").status == 200

    # --- The client's real address reaches the app: a lockout hits 127.0.0.5, not nginx's address,
    # and a forged X-Forwarded-For is replaced by nginx.
    attacker = Browser(stack, source="127.0.0.5")
    for _ in range(3):  # AXES_FAILURE_LIMIT (3 in the stack's environment)
        attacker.get("/accounts/login/")
        failed = attacker.post_form(
            "/accounts/login/",
            {"username": member.email, "password": "wrong", "csrfmiddlewaretoken": attacker.cookies["csrftoken"]},
        )
        assert failed.status in {200, 429}
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.5"]
    assert attacker.login(member.email, PASSWORD).status == 429  # locked out, from that address
    # A forged X-Forwarded-For changes nothing: nginx replaces it with the address it sees.
    forger = Browser(stack, source="127.0.0.5")
    forger.get("/accounts/login/")
    assert forger.request(
        "POST", "/accounts/login/",
        f"username={member.email}&password={PASSWORD}&csrfmiddlewaretoken={forger.cookies['csrftoken']}".encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "10.9.8.7"},
    ).status == 429  # fmt: skip
    impostor = Browser(stack, source="127.0.0.6")  # claims the locked address; is not locked out by it
    impostor.get("/accounts/login/")
    assert impostor.request(
        "POST", "/accounts/login/",
        f"username={member.email}&password={PASSWORD}&csrfmiddlewaretoken={impostor.cookies['csrftoken']}".encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "127.0.0.5"},
    ).status == 302  # fmt: skip

    # --- The worker publishes a scheduled post at its time.
    scheduled = api.post_json(
        "/api/v1/posts/",
        {
            "department": department.slug,
            "body": "Later",
            "publish_at": (timezone.now() + timedelta(seconds=1)).isoformat(),
        },
        **auth,
    )
    assert scheduled.status == 201, scheduled.body
    _wait_for(lambda: DBTaskResult.objects.filter(
        task_path="apps.feed.tasks.publish_scheduled_post", status="SUCCESSFUL").exists(), "the worker to publish")  # fmt: skip
    assert not Post.objects.get(pk=scheduled.json()["id"]).is_scheduled
    # The worker's log lines for that task carry the id of the request that queued it, like its access line.
    queued_by = scheduled.header("X-Request-ID")

    def task_lines() -> list[dict]:
        lines = [json.loads(line) for line in stack.worker.log_path.read_text().splitlines() if line.startswith("{")]
        return [line for line in lines if "apps.feed.tasks.publish_scheduled_post" in line["message"]]

    _wait_for(lambda: any("state=SUCCESSFUL" in line["message"] for line in task_lines()), "the task's log line")
    assert [line["request_id"] for line in task_lines()] == [queued_by, queued_by]  # state=RUNNING, SUCCESSFUL

    # --- WebSockets through nginx across both processes, then one daphne dies.
    asyncio.run(_sockets_across_processes_and_a_crash(stack, member, manager, department))


def _wait_for(condition, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def _sockets_across_processes_and_a_crash(stack, member, manager, department) -> None:
    room = await database_sync_to_async(Room.objects.get)(department=department)
    cookie = await cookie_for(member)
    # nginx spreads new connections over the processes: four readers land on both.
    readers = [await TlsSocket(stack, cookie).connect() for _ in range(4)]
    for reader in readers:
        await reader.subscribe(room.pk, after=0)
    sender = await TlsSocket(stack, await cookie_for(manager)).connect()
    await sender.send({"type": "chat.send", "room": room.pk, "body": "hello both", "client_id": str(uuid.uuid4())})
    first = (await sender.next("chat.message"))["message"]["id"]
    for reader in readers:
        assert await reader.messages_until(room.pk, first) == [first]
    per_process = [len(re.findall(r"WSCONNECT /ws/", daphne.log())) for daphne in stack.daphnes]
    assert all(count >= 2 for count in per_process), per_process  # sockets on both: delivered across processes

    # One process crashes (SIGKILL). Its sockets close; the other process keeps serving through nginx.
    victim = stack.daphnes[0]
    victim.signal(signal.SIGKILL)
    await asyncio.to_thread(victim.process.wait, 10)
    browser = Browser(stack)
    browser.cookies["sessionid"] = cookie
    for _ in range(6):  # more requests than processes: none fails, whichever process nginx tries first
        page = await asyncio.to_thread(browser.get, "/")
        assert page.status == 200, page.status
    ready = await asyncio.to_thread(browser.get, "/readyz")
    assert ready.status == 200, ready.status  # readiness holds on processes with sockets open
    sockets = [*readers, sender]
    waits = [asyncio.ensure_future(socket.connection.wait_closed()) for socket in sockets]
    await asyncio.wait(waits, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.wait(waits, timeout=1)  # the victim's other sockets close at the same moment
    for wait in waits:
        wait.cancel()
    dropped = sum(
        socket.connection.close_code is not None or socket.connection.state.name == "CLOSED" for socket in sockets
    )
    assert 1 <= dropped < 5, dropped
    sender = await TlsSocket(stack, await cookie_for(manager)).connect()  # a new socket: the survivor
    await sender.send({"type": "chat.send", "room": room.pk, "body": "still here", "client_id": str(uuid.uuid4())})
    second = (await sender.next("chat.message"))["message"]["id"]
    for reader in readers:  # open ones get it live; dropped ones reconnect (to the survivor) and catch up
        assert await reader.messages_until(room.pk, second, rejoin=True) == [first, second]
    for socket in [*readers, sender]:
        await socket.close()
