"""Video pages, API and files: who may do what (the permission matrix), in one world built once for the module."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from apps.videos import services
from tests.matrix import cases, check, matrix
from tests.matrix import expect as S
from tests.shared_world import shared_world
from tests.videos.conftest import captioned_video

pytestmark = pytest.mark.django_db

DUE = (date.today() + timedelta(days=7)).isoformat()
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nBonjour.\n"


def _world(cast: dict) -> dict:
    department, member, manager = cast["department"], cast["member"], cast["manager"]
    with override_settings(VIDEO_SPEECH_ENABLED=False):
        video = captioned_video(member, department, cast["clips"], cast["processed"])
    playlist = services.playlist_create(acting_user=manager, department_ref=department.slug, title="Onboarding")
    services.playlist_add(acting_user=manager, playlist_id=playlist.pk, video_id=video.pk)
    upload = services.upload_create(acting_user=member, department_ref=department.slug, length=10)
    segment = sorted((Path(settings.MEDIA_ROOT) / video.folder / "hls/360").glob("seg_*.ts"))[0].name
    caption = video.captions.get()
    return {
        "video": video.pk, "playlist": playlist.pk, "upload": str(upload.pk), "poster": f"/media/{video.poster}",
        "segment": f"/media/{video.folder}hls/360/{segment}", "master": f"/media/{video.master_playlist}",
        "caption": f"/media/{caption.file_name}", "mp4": f"/media/{video.fallback_mp4}",
        "sprite": f"/media/{video.sprite_index}",
    }  # fmt: skip


shared = shared_world(_world, uses=("clips", "processed"))


PAGES = matrix(
    ("get", "/videos/", None, S(302, 200, 200, 200, 200)),
    ("get", "/videos/d/sales/", None, S(302, 404, 200, 200, 404)),
    ("get", "/videos/d/sales/?q=discount", None, S(302, 404, 200, 200, 404)),
    ("get", "/videos/d/sales/?playlist={playlist}", None, S(302, 404, 200, 200, 404)),
    ("get", "/videos/d/sales/upload/", None, S(302, 404, 200, 200, 404)),
    ("get", "/videos/{video}/", None, S(302, 404, 200, 200, 404)),
    ("post", "/videos/{video}/edit/", {"title": "Better title", "description": "x"}, S(302, 404, 302, 302, 404)),
    ("post", "/videos/{video}/captions/", {"language": "fr", "label": "Français", "vtt": VTT}, S(302, 404, 302, 302, 404)),
    ("post", "/videos/{video}/required/", {"due_on": DUE}, S(302, 404, 403, 302, 404)),
    ("post", "/videos/{video}/required/", {"clear": "1"}, S(302, 404, 403, 302, 404)),
    ("get", "/videos/{video}/completion/", None, S(302, 404, 403, 200, 404)),
    ("post", "/videos/{video}/retry/", None, S(302, 404, 409, 409, 404)),
    ("post", "/videos/{video}/announce/", None, S(302, 404, 302, 302, 404)),
    ("post", "/videos/{video}/delete/", None, S(302, 404, 302, 302, 404)),
    ("post", "/videos/d/sales/playlists/", {"title": "Calls"}, S(302, 404, 403, 302, 404)),
    ("post", "/videos/playlists/{playlist}/entries/", {"video": "{video}"}, S(302, 404, 403, 302, 404)),
    ("post", "/videos/playlists/{playlist}/entries/", {"video": "{video}", "action": "remove"}, S(302, 404, 403, 302, 404)),
    ("options", "/api/v1/videos/uploads/", None, S(204, 204, 204, 204, 204)),
    ("post", "/api/v1/videos/uploads/", None, S(401, 412, 412, 412, 412)),  # tus: see test_tus.py for the protocol
    ("delete", "/api/v1/videos/uploads/{upload}", None, S(401, 412, 412, 412, 412)),
)  # fmt: skip

FILES = matrix(
    ("get", "{poster}", None, S(302, 404, 200, 200, 404)),
    ("get", "{master}", None, S(302, 404, 200, 200, 404)),
    ("get", "{segment}", None, S(302, 404, 200, 200, 404)),
    ("get", "{mp4}", None, S(302, 404, 200, 200, 404)),
    ("get", "{caption}", None, S(302, 404, 200, 200, 404)),
    ("get", "{sprite}", None, S(302, 404, 200, 200, 404)),
)

API = matrix(
    ("get", "/api/v1/videos/", None, S(401, 200, 200, 200, 200)),
    ("get", "/api/v1/videos/?department=sales&q=pricing", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/videos/", {"upload": "{upload}", "title": "Half"}, S(401, 404, 409, 404, 404)),
    ("get", "/api/v1/videos/{video}/", None, S(401, 404, 200, 200, 404)),
    ("patch", "/api/v1/videos/{video}/", {"title": "New"}, S(401, 404, 200, 200, 404)),
    ("delete", "/api/v1/videos/{video}/", None, S(401, 404, 204, 204, 404)),
    ("post", "/api/v1/videos/{video}/retry/", None, S(401, 404, 409, 409, 404)),
    ("post", "/api/v1/videos/{video}/announce/", None, S(401, 404, 201, 201, 404)),
    ("post", "/api/v1/videos/{video}/progress/", {"position": 0}, S(401, 404, 200, 200, 404)),
    ("get", "/api/v1/videos/{video}/captions/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/videos/{video}/captions/", {"language": "fr", "vtt": VTT}, S(401, 404, 201, 201, 404)),
    ("post", "/api/v1/videos/{video}/required/", {"due_on": DUE}, S(401, 404, 403, 200, 404)),
    ("delete", "/api/v1/videos/{video}/required/", None, S(401, 404, 403, 204, 404)),
    ("get", "/api/v1/videos/{video}/completion/", None, S(401, 404, 403, 200, 404)),
    ("get", "/api/v1/video-playlists/", None, S(401, 200, 200, 200, 200)),
    ("post", "/api/v1/video-playlists/", {"department": "sales", "title": "Calls"}, S(401, 404, 403, 201, 404)),
    ("get", "/api/v1/video-playlists/{playlist}/", None, S(401, 404, 200, 200, 404)),
    ("post", "/api/v1/video-playlists/{playlist}/videos/", {"video": "{video}", "position": 1}, S(401, 404, 403, 200, 404)),
    ("delete", "/api/v1/video-playlists/{playlist}/videos/?video={video}", None, S(401, 404, 403, 200, 404)),
    ("delete", "/api/v1/video-playlists/{playlist}/", None, S(401, 404, 403, 204, 404)),
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), cases(PAGES + FILES + API))
def test_video_routes_check_permissions(shared, route, role):
    check(shared.client_as, shared.world, route, role)
