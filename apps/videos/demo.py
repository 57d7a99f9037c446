"""Demo videos: a few seconds each, generated with ffmpeg (test pattern and a tone) and processed
like an upload, so a new user finds a working library after `make run`."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from apps.core.demo import DemoContext, demo_step

from .media import ffmpeg_path
from .models import Caption, Upload, Video

DEMO_VIDEOS = [
    ("How we greet a customer on the phone", "00:00 Picking up\n00:01 Asking how we can help", "testsrc2"),
    ("Onboarding: your first day", "What to bring, who to meet.", "smptebars"),
]
DEMO_CAPTIONS = (
    b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello, thank you for calling.\n\n"
    b"00:00:01.000 --> 00:00:02.000\nHow can I help you today?\n"
)


def make_clip(path: Path, *, pattern: str = "testsrc2", seconds: float = 2, size: str = "640x360") -> None:
    """A short H.264/AAC clip from ffmpeg's built-in sources (no file needed)."""
    source = f"{pattern}=size={size}:rate=25:duration={seconds}"
    subprocess.run(  # noqa: S603  (a list of arguments, no shell; the values are ours)
        [ffmpeg_path(), "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", source,
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


@demo_step("videos.library", after=["departments.memberships", "people.profiles"], atomic=False)
def seed_videos(ctx: DemoContext) -> str | None:
    from django.conf import settings

    from . import services

    if shutil.which("ffmpeg") is None:
        return "skipped: ffmpeg is not installed (make ffmpeg)"
    uploader = ctx.users[2] if len(ctx.users) > 2 else ctx.users[0]  # bob, a member of Sales
    department = next((d for d in ctx.departments if d.slug == "sales"), None) or ctx.departments[0]
    made = 0
    with tempfile.TemporaryDirectory() as scratch:
        for index, (title, description, pattern) in enumerate(DEMO_VIDEOS):
            if Video.objects.filter(department=department, title=title).exists():
                continue
            clip = Path(scratch) / "clip.mp4"
            make_clip(clip, pattern=pattern)
            upload = Upload.objects.create(user=uploader, department=department, length=clip.stat().st_size)
            target = Path(settings.MEDIA_ROOT) / upload.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(clip, target)
            upload.offset = upload.length
            upload.save()
            video = services.video_create(  # the first is announced: its poster card shows in the feed
                acting_user=uploader, upload_id=upload.pk, title=title, description=description, announce=index == 0
            )
            services.video_process(video_id=video.pk)  # at once: the demo must play without waiting for the worker
            if not Caption.objects.filter(video=video).exists():
                services.caption_save(acting_user=uploader, video_id=video.pk, language="en", label="English",
                                      data=DEMO_CAPTIONS)  # fmt: skip
            made += 1
    return f"{made} new videos" if made else None
