"""Real clips made with ffmpeg's built-in sources (1-2 s, small), and videos made from them
through the real services: upload, probe, process."""

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from apps.videos import services
from apps.videos.demo import make_clip
from apps.videos.models import Video


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Good and bad files, made once per test session."""
    folder = tmp_path_factory.mktemp("clips")
    made = {"good": folder / "good.mp4"}
    make_clip(made["good"], seconds=2, size="640x360")
    made["silent"] = folder / "silent.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", str(made["silent"]))  # fmt: skip
    made["sound"] = folder / "sound.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(made["sound"]))
    made["image"] = folder / "picture.mp4"  # a PNG, named like a video
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180",
        "-frames:v",
        "1",
        "-f",
        "image2",
        "-c:v",
        "png",
        str(made["image"]),
    )
    made["text"] = folder / "notes.mp4"
    made["text"].write_text("These are my meeting notes, not a video.\n" * 20)
    made["truncated"] = folder / "cut.mp4"  # the moov atom is at the end: cut short, nothing can be read
    made["truncated"].write_bytes(made["good"].read_bytes()[: made["good"].stat().st_size // 2])
    made["fast"] = folder / "fast.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=240:duration=0.5", "-c:v", "libx264", "-preset",
            "ultrafast", "-pix_fmt", "yuv420p", str(made["fast"]))  # fmt: skip
    return made


@pytest.fixture(autouse=True)
def _fast_transcoding(settings):
    settings.VIDEO_FFMPEG_PRESET = "ultrafast"
    # Speech recognition is on by default in production; here only tests/videos/test_speech.py turns
    # it on, so that the other tests' worker runs do not spend seconds hearing sine tones.
    settings.VIDEO_SPEECH_ENABLED = False


def upload_file(user, department, path: Path):
    """A finished upload of `path`, sent through the service the tus endpoint uses, in two chunks."""
    data = path.read_bytes()
    upload = services.upload_create(acting_user=user, department_ref=department.slug, length=len(data))
    half = len(data) // 2
    services.upload_append(acting_user=user, upload_id=upload.pk, offset=0, chunk=io.BytesIO(data[:half]))
    return services.upload_append(acting_user=user, upload_id=upload.pk, offset=half, chunk=io.BytesIO(data[half:]))


def make_video(
    user, department, path: Path, *, title: str = "Closing a call well", process: bool = True, **kwargs
) -> Video:
    upload = upload_file(user, department, path)
    video = services.video_create(acting_user=user, upload_id=upload.pk, title=title, **kwargs)
    if process:
        services.video_process(video_id=video.pk)
        video.refresh_from_db()
    return video


@pytest.fixture(scope="session")
def processed(clips, tmp_path_factory) -> Path:
    """The worker's output for the good clip (HLS ladder, MP4, poster, sprite), made once per session.

    Tests of pages, files and completion copy it rather than transcode again; the processing
    itself is tested in test_processing.py.
    """
    from django.test import override_settings

    from apps.videos import media

    out = tmp_path_factory.mktemp("processed")
    info = media.probe(clips["good"])
    with override_settings(VIDEO_FFMPEG_PRESET="ultrafast"):
        renditions = media.transcode(clips["good"], out, info, on_progress=lambda percent: None)
        media.poster(clips["good"], out, info)
        media.sprite(clips["good"], out, info)
    (out / "renditions.json").write_text(json.dumps(renditions))
    return out


def ready_video(user, department, clips, processed: Path, **kwargs) -> Video:
    """A video uploaded and probed for real, whose processing output is the session's copy."""
    from django.conf import settings

    made = make_video(user, department, clips["good"], process=False, **kwargs)
    folder = Path(settings.MEDIA_ROOT) / made.folder
    shutil.copytree(processed, folder, dirs_exist_ok=True)
    (folder / "source").unlink(missing_ok=True)
    Video.objects.filter(pk=made.pk).update(
        status=Video.Status.READY, progress=100, has_sprite=True,
        renditions=json.loads((folder / "renditions.json").read_text()),
    )  # fmt: skip
    made.refresh_from_db()
    return made


def captioned_video(member, department, clips, processed) -> Video:
    """A processed video in Sales, uploaded by the member, with English captions."""
    made = ready_video(member, department, clips, processed, description="00:00 Hello\n00:01 The offer")
    services.caption_save(
        acting_user=member, video_id=made.pk, language="en", label="English",
        data=b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nWelcome to the pricing call.\n\n"
             b"00:00:01.000 --> 00:00:02.000\nWe discuss the discount.\n",
    )  # fmt: skip
    return made


@pytest.fixture
def video(member, department, clips, processed) -> Video:
    return captioned_video(member, department, clips, processed)
