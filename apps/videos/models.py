"""Best-practice videos: uploads in progress, videos and their renditions, captions, playlists,
required viewing and who watched how much.

Files live under MEDIA_ROOT: an upload in progress at `videos/uploads/<uuid>` (served to
nobody), a processed video's files under `videos/<id>/` (HLS ladder, fallback MP4, poster,
thumbnail sprite, captions), served by `apps.files` after `can_read_video_file` says yes.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

UPLOADS_FOLDER = "videos/uploads/"
# A recognition job reports progress every 5 % (minutes apart for a 3-hour video): silent longer than this, it died.
STUCK_AFTER_MINUTES = 30


class VideoQuerySet(models.QuerySet):
    def visible_to(self, user) -> "VideoQuerySet":
        """Videos not deleted, in departments whose content `user` reads (the department rule)."""
        from apps.departments.access import readable_department_ids

        return self.filter(department_id__in=readable_department_ids(user), deleted_at__isnull=True)

    def ready(self) -> "VideoQuerySet":
        return self.filter(status=Video.Status.READY)


class Video(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="videos")
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_confidential = models.BooleanField(default=False)
    announce = models.BooleanField(default=False, help_text="Post it in the department's feed when it is ready.")
    announced_post = models.ForeignKey("feed.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    source_name = models.CharField(max_length=300, blank=True)  # the original file, kept until processed
    source_size = models.BigIntegerField(default=0)
    duration = models.FloatField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    renditions = models.JSONField(default=list, blank=True)  # [{"height": 360, "bandwidth": 900000}, ...]
    has_sprite = models.BooleanField(default=False)
    view_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    files_removed = models.BooleanField(default=False)

    objects = VideoQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["department", "-created_at"], name="video_department_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def folder(self) -> str:
        return f"videos/{self.pk}/"

    @property
    def duration_label(self) -> str:
        """`1:05`, or `1:02:03` past an hour, as players show it."""
        minutes, seconds = divmod(round(self.duration), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"

    @property
    def master_playlist(self) -> str:
        return f"{self.folder}hls/master.m3u8"

    @property
    def fallback_mp4(self) -> str:
        return f"{self.folder}video.mp4"

    @property
    def poster(self) -> str:
        return f"{self.folder}poster.jpg"

    @property
    def sprite_index(self) -> str:
        return f"{self.folder}thumbs.vtt"


class Upload(models.Model):
    """A tus upload in progress: who sends it, to which department, how far it got."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"upload {self.id} ({self.offset}/{self.length})"

    @property
    def path(self) -> str:
        return f"{UPLOADS_FOLDER}{self.id}"

    @property
    def complete(self) -> bool:
        return self.offset == self.length


class Caption(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="captions")
    language = models.CharField(max_length=16)  # a BCP 47 tag: en, fr, de-CH
    label = models.CharField(max_length=60)
    text = models.TextField(blank=True)  # the cues' text, for search and the transcript
    is_automatic = models.BooleanField(default=False)  # made by speech recognition, not yet corrected by a person
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "language"], name="one_caption_per_language")]
        ordering = ["language"]

    def __str__(self) -> str:
        return f"{self.label} captions"

    @property
    def file_name(self) -> str:
        return f"{self.video.folder}captions/{self.language}.{self.revision}.vtt"


class Playlist(models.Model):
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="playlists")
    title = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class PlaylistEntry(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="playlist_entries")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["playlist", "video"], name="video_once_per_playlist")]

    def __str__(self) -> str:
        return f"#{self.position} of {self.playlist_id}"


class RequiredViewing(models.Model):
    """A manager asks every member of the video's department to watch it by a date."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="required")
    due_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"required by {self.due_on}"


class WatchProgress(models.Model):
    """How much of a video one person watched, counted only from plausible reports."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="progress_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    watched_seconds = models.FloatField(default=0)
    last_position = models.FloatField(default=0)
    last_report_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "user"], name="one_progress_per_viewer")]
        indexes = [models.Index(fields=["user"], condition=Q(completed_at__isnull=True), name="watch_open")]

    def __str__(self) -> str:
        return f"{self.user_id} watched {self.watched_seconds:.0f} s of {self.video_id}"


class Transcription(models.Model):
    """Automatic captions of one video: the worker's speech recognition after transcoding (`speech.py`).

    One row per video, made when the video is ready; its state is shown beside the player
    like transcoding's. `NO_SPEECH` and `SKIPPED` end without a caption track, on purpose.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Recognising speech"
        DONE = "done", "Done"
        NO_SPEECH = "no_speech", "No speech found"
        SKIPPED = "skipped", "Captions were uploaded"
        FAILED = "failed", "Failed"

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="transcription")
    language = models.CharField(max_length=16)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    words = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"transcription of {self.video_id}: {self.status}"

    @property
    def is_stuck(self) -> bool:
        """Waiting or running without a sign of life for long: its worker died, so it may be retried."""
        from datetime import timedelta

        from django.utils import timezone

        waiting = self.status in (self.Status.QUEUED, self.Status.RUNNING)
        return waiting and self.updated_at < timezone.now() - timedelta(minutes=STUCK_AFTER_MINUTES)
