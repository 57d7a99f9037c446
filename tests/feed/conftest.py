import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.feed.services import post_create
from tests.factories import image_bytes


@pytest.fixture
def post(department, member):
    return post_create(acting_user=member, department=department, body="Quarterly numbers are **in**.")


def make_announcement(department, manager):
    from datetime import timedelta

    from django.utils import timezone

    return post_create(
        acting_user=manager, department=department, kind="announcement", body="New holiday hours from Monday.",
        requires_ack=True, ack_due_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip


@pytest.fixture
def announcement(department, manager, member):
    return make_announcement(department, manager)


def jpeg(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", **kwargs), content_type="image/jpeg")
