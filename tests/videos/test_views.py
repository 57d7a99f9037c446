"""Video pages, API and files: the permission matrix over every route, captions, search, query counts."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from apps.videos import services
from tests.videos.conftest import ready_video

pytestmark = pytest.mark.django_db

DUE = (date.today() + timedelta(days=7)).isoformat()
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nBonjour.\n"


def test_the_page_has_the_player_captions_transcript_and_chapters(client_as, video):
    page = client_as("colleague").get(f"/videos/{video.pk}/").content.decode()
    assert f'data-hls="/media/{video.master_playlist}"' in page
    assert 'kind="captions" srclang="en"' in page and "Welcome to the pricing call." in page
    assert 'data-start="1"' in page and "The offer" in page  # the 00:01 chapter
    assert "vendor/hls.js/hls.light.min.js" in page
    assert "data-caption-editor" not in page  # a colleague watches; the uploader edits
    mine = client_as("member").get(f"/videos/{video.pk}/").content.decode()
    assert (
        "00:00:00.000 --&gt; 00:00:01.000\nWelcome to the pricing call." in mine
    )  # valid WebVTT, escaped in the textarea


def test_srt_is_converted_to_webvtt_and_the_transcript_is_searchable(client_as, member, video, settings):
    srt = b"1\r\n00:00:00,500 --> 00:00:01,500\r\n<b>Quarterly</b> targets\r\n\r\n2\r\n00:00:01,500 --> 00:00:02,000\r\nThanks\r\n"
    caption = services.caption_save(acting_user=member, video_id=video.pk, language="de", label="Deutsch", data=srt)
    stored = (Path(settings.MEDIA_ROOT) / caption.file_name).read_text()
    assert stored.startswith("WEBVTT") and "00:00:00.500 --> 00:00:01.500\nQuarterly targets" in stored
    found = client_as("member").get("/videos/d/sales/?q=quarterly").content.decode()
    assert video.title in found
    assert video.title not in client_as("member").get("/videos/d/sales/?q=nowhere-said").content.decode()
    api = client_as("member").get("/api/v1/videos/?q=QUARTERLY").json()
    assert [v["id"] for v in api["results"]] == [video.pk]


def test_a_file_that_is_not_captions_is_refused(client_as, video):
    response = client_as("member").post(f"/api/v1/videos/{video.pk}/captions/", {"language": "en", "vtt": "hello"},
                                        content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "bad_captions"


def test_captions_can_be_corrected_and_replace_the_old_file(client_as, member, video, settings):
    old = video.captions.get()
    old.video = video
    client_as("member").post(f"/videos/{video.pk}/captions/", {"language": "en", "label": "English", "vtt": VTT})
    new = video.captions.get()
    new.video = video
    assert new.revision == old.revision + 1 and new.text == "Bonjour."
    assert not (Path(settings.MEDIA_ROOT) / old.file_name).exists()


def test_the_library_and_the_api_list_cost_the_same_queries_for_many_videos(
    client_as, member, department, clips, processed, django_assert_max_num_queries
):
    client = client_as("member")

    def count(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    ready_video(member, department, clips, processed, title="One")
    client.get("/videos/")  # warm: the session and the user come from the cache on every later page
    few = (count("/videos/d/sales/"), count("/api/v1/videos/?department=sales"), count("/videos/"))
    for n in range(4):
        ready_video(member, department, clips, processed, title=f"More {n}")
    many = (count("/videos/d/sales/"), count("/api/v1/videos/?department=sales"), count("/videos/"))
    assert few == many
    with django_assert_max_num_queries(12):
        client.get("/videos/d/sales/")
