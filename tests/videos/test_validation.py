"""ffprobe decides what an upload is, by its bytes: every refusal has its message, and nothing stays stored."""

from pathlib import Path

import pytest

from apps.core.errors import Conflict, Invalid, NotFound
from apps.videos import media, services
from apps.videos.models import Upload, Video
from tests.videos.conftest import upload_file

pytestmark = pytest.mark.django_db


def _refusal(user, department, path: Path) -> Invalid:
    upload = upload_file(user, department, path)
    with pytest.raises(Invalid) as refused:
        services.video_create(acting_user=user, upload_id=upload.pk, title="Mine")
    return refused.value


@pytest.mark.parametrize(
    ("clip", "code", "words"),
    [
        ("text", "not_a_video", "not a video"),
        ("image", "not_a_video", "image"),
        ("truncated", "not_a_video", "cut short"),
        ("sound", "no_video_stream", "no video stream"),
    ],
)
def test_a_file_that_is_not_a_video_is_refused_with_its_reason_and_nothing_is_kept(
    member, department, clips, settings, clip, code, words
):
    error = _refusal(member, department, clips[clip])
    assert error.code == code and words in error.detail
    assert error.errors == {"file": [error.detail]}
    assert not Upload.objects.exists() and not Video.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT, "videos").rglob("*.*")) and not list(
        Path(settings.MEDIA_ROOT, "videos/uploads").iterdir()
    )


@pytest.mark.parametrize(
    ("setting", "value", "clip", "code"),
    [
        ("VIDEO_MAX_SECONDS", 1, "good", "video_too_long"),
        ("VIDEO_MAX_WIDTH", 320, "good", "video_too_large"),
        ("VIDEO_MAX_HEIGHT", 100, "silent", "video_too_large"),
        ("VIDEO_MAX_FPS", 60, "fast", "video_too_fast"),
        ("VIDEO_MAX_STREAMS", 1, "good", "too_many_streams"),
    ],
)
def test_limits_are_enforced_before_any_transcoding(member, department, clips, settings, setting, value, clip, code):
    setattr(settings, setting, value)
    assert _refusal(member, department, clips[clip]).code == code
    assert not Video.objects.exists() and not Upload.objects.exists()


def test_a_good_clip_is_probed_for_duration_size_and_sound(clips):
    info = media.probe(clips["good"])
    assert (info.width, info.height, info.has_audio) == (640, 360, True)
    assert 1.9 < info.duration < 2.2 and info.fps == 25


def test_the_size_limit_is_checked_when_the_upload_starts(member, department, settings):
    settings.VIDEO_MAX_BYTES = 1000
    with pytest.raises(Invalid) as refused:
        services.upload_create(acting_user=member, department_ref=department.slug, length=1001)
    assert refused.value.code == "file_too_large" and not Upload.objects.exists()


def test_an_unfinished_upload_cannot_become_a_video(member, department):
    upload = services.upload_create(acting_user=member, department_ref=department.slug, length=100)
    with pytest.raises(Conflict) as refused:
        services.video_create(acting_user=member, upload_id=upload.pk, title="Half")
    assert refused.value.code == "upload_incomplete"


def test_uploads_go_only_to_departments_one_reads_and_stay_their_owners(member, outsider, department, clips):
    with pytest.raises(NotFound):
        services.upload_create(acting_user=outsider, department_ref=department.slug, length=10)
    upload = upload_file(member, department, clips["good"])
    with pytest.raises(NotFound):
        services.video_create(acting_user=outsider, upload_id=upload.pk, title="Stolen")


def test_a_title_is_required(member, department, clips):
    upload = upload_file(member, department, clips["good"])
    with pytest.raises(Invalid) as refused:
        services.video_create(acting_user=member, upload_id=upload.pk, title="  ")
    assert refused.value.errors == {"title": ["Give the video a title."]}
