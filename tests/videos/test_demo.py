"""The demo step makes a working library: short clips generated with ffmpeg, processed, with captions; idempotent."""

from pathlib import Path

import pytest
from django.core.management import call_command

from apps.videos.models import Caption, Video

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_playable_videos_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VIDEO_FFMPEG_PRESET = "ultrafast"
    call_command("seed_demo", "--users", "10", "--departments", "3", "--no-photos", "--posts", "2")
    videos = list(Video.objects.all())
    assert len(videos) == 2 and all(v.status == Video.Status.READY for v in videos)
    assert all((Path(settings.MEDIA_ROOT) / v.master_playlist).exists() for v in videos)
    assert Caption.objects.count() == 2
    assert [v.title for v in videos if v.announced_post_id] == ["How we greet a customer on the phone"]  # a feed card
    call_command("seed_demo", "--users", "10", "--departments", "3", "--no-photos", "--posts", "2")
    assert Video.objects.count() == 2
