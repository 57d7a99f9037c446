"""The tus 1.0.0 endpoint, driven by an independent client (tuspy) against a live server, and by hand for the spec's edges."""

import base64

import pytest
from rest_framework.authtoken.models import Token
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError

from apps.videos import services
from apps.videos.models import Upload, Video

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def _client(live_server, user) -> tus.TusClient:
    token = Token.objects.create(user=user)
    return tus.TusClient(f"{live_server.url}/api/v1/videos/uploads/", headers={"Authorization": f"Token {token.key}"})


@pytest.mark.django_db(transaction=True)
def test_tuspy_uploads_a_video_that_becomes_one(live_server, member, department, clips, settings):
    uploader = _client(live_server, member).uploader(
        str(clips["good"]), chunk_size=64 * 1024, metadata={"department": department.slug, "filename": "call.mp4"}
    )
    uploader.upload()
    upload = Upload.objects.get()
    assert upload.complete and upload.filename == "call.mp4"
    assert (settings.MEDIA_ROOT / upload.path).read_bytes() == clips["good"].read_bytes()
    video = services.video_create(acting_user=member, upload_id=upload.pk, title="A call")
    assert video.status == Video.Status.PROCESSING and video.width == 640


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_upload_resumes_where_it_stopped(live_server, member, department, clips, settings):
    client = _client(live_server, member)
    first = client.uploader(str(clips["good"]), chunk_size=32 * 1024, metadata={"department": department.slug})
    first.upload_chunk()  # then the connection drops (the client is gone)
    url = first.url
    assert Upload.objects.get().offset == 32 * 1024
    # A new client (a reloaded page) asks the server where it stands and sends only the rest.
    again = client.uploader(str(clips["good"]), url=url, chunk_size=32 * 1024)
    assert again.offset == 32 * 1024
    again.upload()
    assert (settings.MEDIA_ROOT / Upload.objects.get().path).read_bytes() == clips["good"].read_bytes()


@pytest.mark.django_db(transaction=True)
def test_an_upload_to_a_department_one_does_not_read_is_refused(live_server, outsider, department, clips):
    with pytest.raises(TusCommunicationError) as refused:
        _client(live_server, outsider).uploader(str(clips["good"]), metadata={"department": department.slug}).upload()
    assert refused.value.status_code == 404 and not Upload.objects.exists()


def _meta(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


@pytest.mark.django_db
class TestTheProtocol:
    def test_options_says_what_the_server_supports(self, client_as, settings):
        response = client_as("member").options("/api/v1/videos/uploads/")
        assert response.status_code == 204 and response["Tus-Version"] == "1.0.0"
        assert response["Tus-Extension"] == "creation,termination"
        assert response["Tus-Max-Size"] == str(settings.VIDEO_MAX_BYTES)

    def test_a_request_without_the_protocol_version_is_412(self, client_as, department):
        response = client_as("member").post("/api/v1/videos/uploads/", HTTP_UPLOAD_LENGTH="10")
        assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"

    def test_creation_head_patch_and_delete(self, client_as, member, department):
        client = client_as("member")
        created = client.post(
            "/api/v1/videos/uploads/",
            HTTP_UPLOAD_LENGTH="6",
            HTTP_UPLOAD_METADATA=_meta(department=department.slug),
            **TUS,
        )
        assert created.status_code == 201 and created["Upload-Offset"] == "0"
        url = created["Location"].removeprefix("http://testserver")
        head = client.head(url, **TUS)
        assert (head.status_code, head["Upload-Offset"], head["Upload-Length"]) == (200, "0", "6")
        assert head["Cache-Control"] == "no-store"
        wrong_type = client.patch(url, b"abc", content_type="application/octet-stream", HTTP_UPLOAD_OFFSET="0", **TUS)
        assert wrong_type.status_code == 415
        sent = client.patch(url, b"abc", content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0", **TUS)
        assert sent.status_code == 204 and sent["Upload-Offset"] == "3"
        stale = client.patch(url, b"abc", content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0", **TUS)
        assert stale.status_code == 409  # the offset is where the upload stands, or nothing is written
        too_much = client.patch(
            url, b"defg", content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="3", **TUS
        )
        assert too_much.status_code == 400 and Upload.objects.get().offset == 3
        assert client_as("manager").head(url, **TUS).status_code == 404  # someone else's upload
        assert client.delete(url, **TUS).status_code == 204 and not Upload.objects.exists()

    def test_too_large_is_413_and_a_bad_length_400(self, client_as, department, settings):
        settings.VIDEO_MAX_BYTES = 100
        meta = _meta(department=department.slug)
        client = client_as("member")
        assert (
            client.post(
                "/api/v1/videos/uploads/", HTTP_UPLOAD_LENGTH="101", HTTP_UPLOAD_METADATA=meta, **TUS
            ).status_code
            == 413
        )
        assert (
            client.post(
                "/api/v1/videos/uploads/", HTTP_UPLOAD_LENGTH="-1", HTTP_UPLOAD_METADATA=meta, **TUS
            ).status_code
            == 400
        )
        assert (
            client.post(
                "/api/v1/videos/uploads/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA="department %%%", **TUS
            ).status_code
            == 400
        )

    def test_session_uploads_need_the_csrf_token(self, member, department):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(member)
        meta = _meta(department=department.slug)
        refused = client.post("/api/v1/videos/uploads/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA=meta, **TUS)
        assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"

    def test_anonymous_is_401(self, client):
        assert client.post("/api/v1/videos/uploads/", HTTP_UPLOAD_LENGTH="5", **TUS).status_code == 401


@pytest.mark.django_db
def test_abandoned_uploads_are_removed_after_the_expiry(member, department, settings):
    from datetime import timedelta

    from django.utils import timezone

    upload = services.upload_create(acting_user=member, department_ref=department.slug, length=10)
    assert services.remove_abandoned_uploads() == 0
    later = timezone.now() + timedelta(hours=settings.VIDEO_UPLOAD_EXPIRY_HOURS, minutes=1)
    assert services.remove_abandoned_uploads(now=later) == 1
    assert not Upload.objects.exists() and not (settings.MEDIA_ROOT / upload.path).exists()
