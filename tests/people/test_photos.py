"""Photo uploads are judged by their content: real generated files, including hostile ones."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from PIL import Image

from tests.factories import image_bytes

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_gps_exif() -> bytes:
    image = Image.new("RGB", (1200, 800), "orange")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
    exif[0x0112] = 6  # Orientation: rotate 90° to display upright
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png_bomb() -> bytes:
    """A few kilobytes that decode to 20,000 × 20,000 pixels (400 megapixels)."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def post_photo(client, user, file):
    return client.post(f"/people/{user.pk}/photo/", {"photo": file})


def test_a_photo_is_stored_square_resized_and_without_exif(client_as, member, settings):
    data = jpeg_with_gps_exif()
    assert Image.open(io.BytesIO(data)).getexif()  # the original does carry EXIF
    response = post_photo(client_as("member"), member, upload("holiday.jpg", data))
    assert response.status_code == 302
    member.profile.refresh_from_db()
    with member.profile.photo.open("rb") as photo, member.profile.photo_thumbnail.open("rb") as thumb:
        stored, small = Image.open(photo), Image.open(thumb)
        assert stored.size == (settings.PHOTO_SIZE, settings.PHOTO_SIZE)
        assert small.size == (settings.PHOTO_THUMBNAIL_SIZE, settings.PHOTO_THUMBNAIL_SIZE)
        assert not stored.getexif() and not small.getexif()
        assert b"SpyCam" not in photo.read()


def test_png_gif_and_webp_are_accepted_whatever_their_name(client_as, member):
    client = client_as("member")
    for fmt in ("PNG", "GIF", "WEBP"):
        response = post_photo(client, member, upload("picture.bin", image_bytes(fmt), "application/octet-stream"))
        assert response.status_code == 302, (fmt, response.content[:500])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cv.jpg", b"%PDF-1.4 this is not a picture at all", "The file is not an image"),
        ("evil.png", b"<html><script>alert(1)</script></html>", "The file is not an image"),
        ("cut.jpg", image_bytes("JPEG", size=(400, 400))[:300], "could not be read"),
        ("bomb.png", png_bomb(), "decompression bomb"),
        ("icon.jpg", image_bytes("BMP"), "Unsupported image type"),
    ],
    ids=["pdf-named-jpg", "html-named-png", "truncated", "decompression-bomb", "bmp-named-jpg"],
)
def test_files_that_are_not_acceptable_images_are_refused_with_a_clear_error(client_as, member, name, data, message):
    response = post_photo(client_as("member"), member, upload(name, data))
    assert response.status_code == 400
    assert message in response.content.decode()
    member.profile.refresh_from_db()
    assert not member.profile.photo


def test_too_many_pixels_and_too_many_bytes_are_refused(client_as, member, settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    response = post_photo(client_as("member"), member, upload("big.png", image_bytes("PNG", size=(1500, 1000))))
    assert response.status_code == 400 and "too many pixels" in response.content.decode()
    settings.PHOTO_MAX_BYTES = 1000
    response = post_photo(
        client_as("member"), member, upload("heavy.jpg", image_bytes("JPEG", size=(300, 300), quality=100))
    )
    assert response.status_code == 400 and "too large" in response.content.decode()


def test_the_api_validates_photos_the_same_way(client_as, member):
    client = client_as("member")
    # Django's test client encodes multipart bodies itself only for POST.
    body = encode_multipart("BoUnDaRy", {"photo": upload("x.jpg", b"not an image")})
    bad = client.put(
        f"/api/v1/profiles/{member.pk}/photo/", body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["photo"] == ["The file is not an image, or it is damaged."]
    body = encode_multipart("BoUnDaRy", {"photo": upload("x.jpg", image_bytes())})
    good = client.put(
        f"/api/v1/profiles/{member.pk}/photo/", body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )
    assert good.status_code == 200
    assert good.json()["photo_url"].startswith("/media/people/photos/")


def test_replacing_a_photo_deletes_the_old_files(client_as, member, django_capture_on_commit_callbacks):
    client = client_as("member")
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, member, upload("a.jpg", image_bytes()))
    member.profile.refresh_from_db()
    old = member.profile.photo
    storage, old_name = old.storage, old.name
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, member, upload("b.jpg", image_bytes(colour="red")))
    assert not storage.exists(old_name)
