"""Every byte of a video goes through the authorised media path, with HTTP ranges for seeking."""

from pathlib import Path

import pytest
from asgiref.sync import async_to_sync

pytestmark = pytest.mark.django_db


def _segment(video, settings) -> str:
    first = sorted((Path(settings.MEDIA_ROOT) / video.folder / "hls/360").glob("seg_*.ts"))[0]
    return f"/media/{video.folder}hls/360/{first.name}"


async def _drain(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def _body(response) -> bytes:
    """The bytes sent, read the way daphne reads them (ranges stream from an async iterator)."""
    if not response.streaming:
        return response.content
    if response.is_async:
        return async_to_sync(_drain)(response.streaming_content)
    return b"".join(response.streaming_content)


def test_ranges_are_answered_with_206_and_the_exact_bytes(client_as, video, settings):
    url = f"/media/{video.fallback_mp4}"
    data = (Path(settings.MEDIA_ROOT) / video.fallback_mp4).read_bytes()
    client = client_as("member")
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes" and _body(whole) == data
    first = client.get(url, HTTP_RANGE="bytes=0-99")
    assert (
        first.status_code == 206 and first["Content-Range"] == f"bytes 0-99/{len(data)}" and _body(first) == data[:100]
    )
    middle = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206 and _body(middle) == data[1000:2000] and middle["Content-Length"] == "1000"
    suffix = client.get(url, HTTP_RANGE="bytes=-500")
    assert suffix.status_code == 206 and _body(suffix) == data[-500:]
    open_ended = client.get(url, HTTP_RANGE=f"bytes={len(data) - 10}-")
    assert _body(open_ended) == data[-10:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(data) + 5}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    several = client.get(url, HTTP_RANGE="bytes=0-1,5-6")
    assert several.status_code == 200 and _body(several) == data  # several ranges: the whole file
    nonsense = client.get(url, HTTP_RANGE="pages=1-2")
    assert nonsense.status_code == 200


def test_playlists_segments_and_captions_have_their_types(client_as, video, settings):
    client = client_as("member")
    master = client.get(f"/media/{video.master_playlist}")
    assert master["Content-Type"] == "application/vnd.apple.mpegurl" and b"#EXTM3U" in _body(master)
    assert client.get(_segment(video, settings))["Content-Type"] == "video/mp2t"
    caption = video.captions.get()
    response = client.get(f"/media/videos/{video.pk}/captions/en.{caption.revision}.vtt")
    assert response["Content-Type"].startswith("text/vtt") and b"pricing call" in _body(response)


def test_an_outsider_who_guesses_a_segment_url_gets_404(client_as, video, settings):
    assert client_as("outsider").get(_segment(video, settings)).status_code == 404
    assert client_as("admin_user").get(_segment(video, settings)).status_code == 404  # admins read as members only
    assert client_as("manager").get(_segment(video, settings)).status_code == 200


def test_an_upload_in_progress_is_served_to_nobody_not_even_its_owner(client_as, member, department):
    from apps.videos import services

    upload = services.upload_create(acting_user=member, department_ref=department.slug, length=10)
    assert client_as("member").get(f"/media/{upload.path}").status_code == 404


def test_files_of_a_deleted_video_are_gone_at_once(client_as, video, member):
    from apps.videos import services

    services.video_delete(acting_user=member, video_id=video.pk)
    assert client_as("member").get(f"/media/{video.poster}").status_code == 404


def test_in_production_nginx_sends_the_bytes(client_as, video, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response = client_as("member").get(f"/media/{video.master_playlist}", HTTP_RANGE="bytes=0-10")
    assert response["X-Accel-Redirect"] == f"/protected-media/{video.master_playlist}"
