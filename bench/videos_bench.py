#!/usr/bin/env python3
"""Video benchmarks (issue 11), each against a baseline in the same run.

1. Transcoding speed: a 60 s 1080p30 source (ffmpeg's testsrc2 and a tone) through the
   worker's own `media.transcode` (HLS ladder 1080/720/480 + the MP4) with each x264 preset
   in BENCH_PRESETS, as a multiple of real time (60 s / wall time), median of BENCH_RUNS.
2. HLS serving: one HLS segment through the authorised media view (login + membership
   checked, then streamed) against the same bytes as a plain static file from the same
   daphne, 50 concurrent viewers, interleaved by bench/http_load.py.
3. Upload: the source through tus in 8 MB chunks (what the browser sends) against one
   single request carrying the whole file, to the same endpoint.

    DATABASE_URL=postgres://.../intranet_videos .venv/bin/python bench/videos_bench.py

Everything stays on 127.0.0.1; the daphne it starts is stopped by its PID.
"""

import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings")
PORT = int(os.environ.get("BENCH_PORT", "8131"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PRESETS = os.environ.get("BENCH_PRESETS", "ultrafast,veryfast").split(",")
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
OUT = ROOT / "bench/results" / time.strftime("videos-%Y%m%d-%H%M%S")


def make_source(path: Path) -> None:
    pattern = f"testsrc2=size=1920x1080:rate=30:duration={SECONDS}"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", pattern,
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}", "-c:v", "libx264", "-preset", "ultrafast",
         "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip


def bench_transcoding(source: Path) -> dict:
    from django.test import override_settings

    from apps.videos import media

    info = media.probe(source)
    results = {}
    for preset in PRESETS:
        times = []
        for _ in range(RUNS):
            with tempfile.TemporaryDirectory() as out, override_settings(VIDEO_FFMPEG_PRESET=preset):
                started = time.perf_counter()
                media.transcode(source, Path(out), info, on_progress=lambda p: None)
                times.append(time.perf_counter() - started)
                size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
        wall = statistics.median(times)
        results[preset] = {"wall_s": round(wall, 1), "x_realtime": round(info.duration / wall, 2), "runs": times,
                           "output_mb": round(size / 1e6, 1)}  # fmt: skip
        print(f"transcode {preset}: {wall:.1f} s for {info.duration:.0f} s = {info.duration / wall:.2f}x real time")
    return results


def setup_world(source: Path):
    """A member of a department with one processed (ultrafast) video, and a session cookie."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import override_settings

    from apps.accounts.models import User
    from apps.departments.models import Department, Membership
    from apps.videos import media
    from apps.videos.models import Video

    user, _ = User.objects.get_or_create(email="bench-videos@example.com")
    department, _ = Department.objects.get_or_create(slug="bench-videos", defaults={"name": "Bench videos"})
    Membership.objects.get_or_create(user=user, department=department)
    video = Video.objects.create(department=department, uploader=user, title="Bench", status="ready", duration=SECONDS)
    out = Path(settings.MEDIA_ROOT) / video.folder
    with override_settings(VIDEO_FFMPEG_PRESET="ultrafast"):
        media.transcode(source, out, media.probe(source), on_progress=lambda p: None)
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "apps.accounts.backends.ProfileModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return user, department, video, out, session.session_key, token.key


def start_daphne(env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(PORT), "intranet.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("daphne did not start")


def bench_serving(video, out: Path, cookie: str, env: dict) -> dict:
    segment = sorted((out / "hls/480").glob("seg_*.ts"))[0]
    static_dir = ROOT / "static/bench-videos-tmp"
    static_dir.mkdir(exist_ok=True)
    shutil.copy(segment, static_dir / segment.name)
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench/http_load.py"), "--base", f"http://127.0.0.1:{PORT}",
             "--cookie", f"sessionid={cookie}",
             "--target", f"authorised=/media/{video.folder}hls/480/{segment.name}",
             "--target", f"static=/static/bench-videos-tmp/{segment.name}",
             "--concurrency", "50", "--duration", os.environ.get("BENCH_DURATION", "8"),
             "--rounds", str(RUNS), "--warmup", "2", "--baseline", "static", "--json", str(OUT / "serving.json")],
            check=True, capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
    finally:
        shutil.rmtree(static_dir, ignore_errors=True)
    print(result.stdout)
    return {"segment_bytes": segment.stat().st_size, "report": result.stdout}


def bench_upload(source: Path, department, token: str) -> dict:
    import requests
    from tusclient import client as tus

    base = f"http://127.0.0.1:{PORT}/api/v1/videos/uploads/"
    headers = {"Authorization": f"Token {token}"}
    size = source.stat().st_size
    chunked, single = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        tus.TusClient(base, headers=headers).uploader(
            str(source), chunk_size=8 * 1024 * 1024, metadata={"department": department.slug}
        ).upload()
        chunked.append(time.perf_counter() - started)
        started = time.perf_counter()
        meta = "department " + base64.b64encode(department.slug.encode()).decode()
        creation = {"Tus-Resumable": "1.0.0", "Upload-Length": str(size), "Upload-Metadata": meta}
        created = requests.post(base, headers=headers | creation, timeout=60)
        with source.open("rb") as body:
            chunk = {"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
            answer = requests.patch(created.headers["Location"], data=body, timeout=300, headers=headers | chunk)
        assert answer.status_code == 204, answer.text
        single.append(time.perf_counter() - started)
    mb = size / 1e6
    result = {"file_mb": round(mb, 1), "tus_8mb_chunks_mb_s": round(mb / statistics.median(chunked), 1),
              "single_request_mb_s": round(mb / statistics.median(single), 1)}  # fmt: skip
    print(f"upload {mb:.1f} MB: tus 8 MB chunks {result['tus_8mb_chunks_mb_s']} MB/s, "
          f"one request {result['single_request_mb_s']} MB/s")  # fmt: skip
    return result


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / "source-1080p.mp4"
    make_source(source)
    import django

    django.setup()
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    results = {"machine": {"nproc": os.cpu_count(), "ffmpeg": version}, "transcoding": bench_transcoding(source)}
    user, department, video, out, cookie, token = setup_world(source)
    env = os.environ | {"DEBUG": os.environ.get("BENCH_DEBUG", "1"), "LOG_LEVEL": "WARNING", "HTTPS": "0"}
    daphne = start_daphne(env)
    try:
        results["serving"] = bench_serving(video, out, cookie, env)
        results["upload"] = bench_upload(source, department, token)
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)
        from apps.videos.models import Upload

        for upload in Upload.objects.filter(user=user):
            (Path(os.environ.get("MEDIA_ROOT", ROOT / "media")) / upload.path).unlink(missing_ok=True)
            upload.delete()
        shutil.rmtree(out.parent, ignore_errors=True)
        video.delete()
        source.unlink(missing_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"results in {OUT}")


if __name__ == "__main__":
    main()
