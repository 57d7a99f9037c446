"""The worker transcodes on the real database backend: the HLS ladder, the MP4, the poster, the sprite, live progress."""

from pathlib import Path

import pytest

from apps.videos import services
from apps.videos.models import Video
from tests.videos.conftest import make_video

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_the_worker_makes_an_hls_ladder_never_above_the_source_an_mp4_a_poster_and_a_sprite(
    member, department, clips, settings, run_worker
):
    video = make_video(member, department, clips["good"], process=False)
    assert video.status == Video.Status.PROCESSING  # nothing was transcoded in the request
    run_worker()
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.progress == 100 and not video.error
    folder = Path(settings.MEDIA_ROOT) / video.folder
    assert [r["height"] for r in video.renditions] == [360, 180]
    master = (folder / "hls/master.m3u8").read_text()
    assert "RESOLUTION=640x360" in master and "RESOLUTION=320x180" in master and "360/index.m3u8" in master
    for height in (360, 180):
        playlist = (folder / f"hls/{height}/index.m3u8").read_text()
        assert "#EXT-X-ENDLIST" in playlist and list((folder / f"hls/{height}").glob("seg_*.ts"))
    mp4 = (folder / "video.mp4").read_bytes()
    assert mp4.index(b"moov") < mp4.index(b"mdat")  # faststart: playable before it is all downloaded
    assert (folder / "poster.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert (folder / "sprite.jpg").exists() and "sprite.jpg#xywh=0,0,160,90" in (folder / "thumbs.vtt").read_text()
    assert not (folder / "source").exists()  # the original goes once the renditions exist
    assert 1.9 < video.duration < 2.2


def test_a_failure_is_shown_and_can_be_retried(member, department, clips, settings):
    video = make_video(member, department, clips["good"], process=False)
    source = Path(settings.MEDIA_ROOT) / video.source_name
    good = source.read_bytes()
    source.write_bytes(b"garbage" * 100)  # the disk copy went bad after the upload was accepted
    services.video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and "not a video" in video.error
    source.write_bytes(good)
    services.video_retry(acting_user=member, video_id=video.pk)
    services.video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.error == ""


def test_a_ready_video_can_be_announced_in_the_feed(member, department, clips):
    video = make_video(member, department, clips["silent"], announce=True)
    assert video.announced_post is not None
    assert f"/videos/{video.pk}/" in video.announced_post.body_html
    assert [r["height"] for r in video.renditions] == [180]  # a 180p source gets one rung, no audio


@pytest.mark.django_db(transaction=True)
def test_deleting_is_soft_and_the_worker_removes_the_files(member, department, clips, settings, run_worker):
    video = make_video(member, department, clips["silent"])
    folder = Path(settings.MEDIA_ROOT) / video.folder
    services.video_delete(acting_user=member, video_id=video.pk)
    assert not Video.objects.visible_to(member).exists() and folder.exists()
    run_worker()
    assert not folder.exists() and Video.objects.get(pk=video.pk).files_removed
