"""Every write on videos: uploads (tus), videos, processing, captions, playlists, required viewing, progress.

Each function takes the `acting_user` first (None: the system, i.e. the worker), authorises
through `access` / `apps.departments.access`, validates, and writes in a transaction.
Processing never runs in a request: `video_create` queues `tasks.process_video`.
"""

import logging
import shutil
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import Conflict, Invalid, NotFound
from apps.departments.access import (
    access_department_content,
    readers_of,
    require_contribute,
    require_may_be_confidential,
)
from apps.realtime.topics import publish

from . import captions as caption_files
from . import media, speech
from .access import access_playlist, access_video, require_change_video, require_moderate
from .cards import forget_card
from .events import VideoCompletionEvent, VideoProgressEvent
from .models import Caption, Playlist, PlaylistEntry, RequiredViewing, Upload, Video, WatchProgress

logger = logging.getLogger(__name__)

VIDEO_TOPIC = "video"
COMPLETION_TOPIC = "video_completion"  # the managers' dashboard of one video
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
COMPLETE_SHARE = 0.9  # a view counts as complete at 90 % watched
SPEED_ALLOWANCE = 2.2  # the fastest playback speed offered is 2x, plus slack for report jitter
NO_CONFIDENTIAL_COMPANY_VIDEO = "Videos in the company-wide space cannot be confidential."
UNKNOWN_UPLOAD = "There is no such upload, or it is not yours."


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


# ---------------------------------------------------------------- tus uploads


def access_upload(user, upload_id: object) -> Upload:
    """An upload in progress of `user`'s own; anyone else's answers `NotFound`."""
    try:
        pk = uuid.UUID(str(upload_id))
    except ValueError:
        raise NotFound("unknown_upload", UNKNOWN_UPLOAD) from None
    upload = Upload.objects.select_related("department").filter(pk=pk, user_id=user.pk).first()
    if upload is None:
        raise NotFound("unknown_upload", UNKNOWN_UPLOAD)
    return upload


def upload_create(*, acting_user: User, department_ref: object, length: int, filename: str = "") -> Upload:
    """Start a tus upload into a department the user may upload to; refuses too large at once."""
    department = access_department_content(acting_user, department_ref)
    require_contribute(acting_user, department)
    if length <= 0:
        raise Invalid.field("file", "The file is empty.", code="empty_file")
    if length > settings.VIDEO_MAX_BYTES:
        raise Invalid.field(
            "file", f"A video is at most {settings.VIDEO_MAX_BYTES // 1024**2} MB.", code="file_too_large"
        )
    upload = Upload.objects.create(user=acting_user, department=department, length=length, filename=filename[:255])
    path = media_path(upload.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


def upload_append(*, acting_user: User, upload_id: object, offset: int, chunk) -> Upload:
    """Append bytes at `offset` (which must be where the upload stands: tus 409 otherwise).

    `chunk` is a readable stream; bytes past the declared length are refused. Locked so that
    two PATCHes of one upload cannot interleave.
    """
    with transaction.atomic():
        upload = access_upload(acting_user, upload_id)
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if offset != upload.offset:
            raise Conflict("offset_mismatch", f"The upload is at byte {upload.offset}, not {offset}.")
        written = 0
        with media_path(upload.path).open("r+b") as handle:
            handle.seek(upload.offset)
            while block := chunk.read(1024 * 1024):
                if upload.offset + written + len(block) > upload.length:
                    raise Invalid("too_long", "More bytes than the upload's length.")
                handle.write(block)
                written += len(block)
        upload.offset += written
        upload.save(update_fields=["offset", "updated_at"])
    return upload


def upload_delete(*, acting_user: User, upload_id: object) -> None:
    upload = access_upload(acting_user, upload_id)
    media_path(upload.path).unlink(missing_ok=True)
    upload.delete()


def remove_abandoned_uploads(*, now: datetime | None = None) -> int:
    """Uploads untouched for VIDEO_UPLOAD_EXPIRY_HOURS go, with their bytes."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.VIDEO_UPLOAD_EXPIRY_HOURS)
    removed = 0
    for upload in Upload.objects.filter(updated_at__lt=cutoff):
        media_path(upload.path).unlink(missing_ok=True)
        upload.delete()
        removed += 1
    return removed


# ---------------------------------------------------------------- videos


def _clean_text(title: str, description: str) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise Invalid.field("title", "Give the video a title.", code="required")
    if len(title) > MAX_TITLE:
        raise Invalid.field("title", f"A title is at most {MAX_TITLE} characters.")
    if len(description) > MAX_DESCRIPTION:
        raise Invalid.field("description", f"A description is at most {MAX_DESCRIPTION} characters.")
    return title, description


def video_create(
    *,
    acting_user: User,
    upload_id: object,
    title: str,
    description: str = "",
    is_confidential: bool | None = None,
    announce: bool = False,
) -> Video:
    """Turn a finished upload into a video: ffprobe decides whether it is one, then the worker processes it.

    A refused file is removed with its upload: nothing of it stays stored.
    """
    upload = access_upload(acting_user, upload_id)
    require_contribute(acting_user, upload.department)
    title, description = _clean_text(title, description)
    if not upload.complete:
        raise Conflict(
            "upload_incomplete", f"The upload has {upload.offset} of {upload.length} bytes; finish it first."
        )
    department = upload.department
    if is_confidential is None:
        is_confidential = department.is_confidential_by_default
    require_may_be_confidential(department, is_confidential, NO_CONFIDENTIAL_COMPANY_VIDEO)
    source = media_path(upload.path)
    try:
        info = media.probe(source)
    except Invalid:
        source.unlink(missing_ok=True)
        upload.delete()
        raise
    with transaction.atomic():
        video = Video.objects.create(
            department=department, uploader=acting_user, title=title, description=description,
            is_confidential=is_confidential, announce=announce, source_size=upload.length,
            duration=info.duration, width=info.width, height=info.height,
        )  # fmt: skip
        video.source_name = f"{video.folder}source"
        video.save(update_fields=["source_name"])
        target = media_path(video.source_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        upload.delete()
        _queue_processing(video)
    return video


def _queue_processing(video: Video) -> None:
    from .tasks import process_video

    transaction.on_commit(lambda: process_video.enqueue(video.pk))


def _publish_progress(video: Video) -> None:
    event: VideoProgressEvent = {
        "type": "video.progress", "video": video.pk, "status": video.status, "percent": video.progress,
        "error": video.error,
    }  # fmt: skip
    publish(VIDEO_TOPIC, video.pk, event)


def _set_progress(video_id: int, percent: int) -> None:
    with transaction.atomic():
        Video.objects.filter(pk=video_id).update(progress=percent)
        video = Video.objects.get(pk=video_id)
        _publish_progress(video)


def video_process(*, video_id: int) -> Video | None:
    """The worker's job: transcode, poster, sprite; `ready` or `failed` with the reason (retry keeps the source)."""
    video = Video.objects.filter(pk=video_id, deleted_at__isnull=True, status=Video.Status.PROCESSING).first()
    if video is None or not video.source_name:
        return None
    source, out = media_path(video.source_name), media_path(video.folder)
    try:
        info = media.probe(source)
        shutil.rmtree(out / "hls", ignore_errors=True)
        renditions = media.transcode(source, out, info, on_progress=lambda p: _set_progress(video.pk, p))
        media.poster(source, out, info)
        has_sprite = media.sprite(source, out, info)
    except Exception as error:  # ffmpeg's failure is the uploader's to see and retry, never a crash of the worker
        logger.warning("processing video %s failed", video.pk, exc_info=True)
        message = error.detail if isinstance(error, Invalid) else "Processing failed: " + str(error)[-300:]
        with transaction.atomic():
            Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, error=message)
            video.refresh_from_db()
            _publish_progress(video)
        return video
    with transaction.atomic():
        video.refresh_from_db()
        video.status, video.progress, video.error = Video.Status.READY, 100, ""
        video.renditions, video.has_sprite, video.duration = renditions, has_sprite, info.duration
        video.save(update_fields=["status", "progress", "error", "renditions", "has_sprite", "duration", "updated_at"])
        if video.announce and video.announced_post_id is None and video.uploader is not None:
            _announce(video)
        _publish_progress(video)
        speech.queue_after_processing(video, has_audio=info.has_audio)  # captions come later; playable now
    source.unlink(missing_ok=True)
    return video


def _post_announcement(author: User, video: Video):
    """A post in the department's feed that links to the player (its card shows the poster: `cards`).

    It is also where the video's comments and reactions live: the feed's, not a second system.
    """
    from apps.feed.services import post_create

    post = post_create(
        acting_user=author, department=video.department, is_confidential=video.is_confidential,
        body=f"New video: [{video.title}](/videos/{video.pk}/)", confirm=True,
    )  # fmt: skip
    video.announced_post = post
    video.save(update_fields=["announced_post"])
    return post


def _announce(video: Video) -> None:
    try:
        with transaction.atomic():
            _post_announcement(video.uploader, video)
    except Exception:  # the uploader lost the right to post since: the video stays, unannounced
        logger.info("video %s not announced", video.pk, exc_info=True)


def video_announce(*, acting_user: User, video_id: object):
    """Announce a ready video in the feed now: it was not announced, or its post was deleted.

    The uploader or a manager decides (the announcement is a post of theirs, under the
    department's posting rules); until then the video has no comments or reactions.
    """
    from apps.feed.models import Post

    video = access_video(acting_user, video_id)
    require_change_video(acting_user, video)
    if video.status != Video.Status.READY:
        raise Conflict("not_ready", "The video is not ready to play yet.")
    if video.announced_post_id and Post.objects.filter(pk=video.announced_post_id, deleted_at__isnull=True).exists():
        raise Conflict("already_announced", "The video is already announced in the feed.")
    with transaction.atomic():
        return _post_announcement(acting_user, video)


def video_retry(*, acting_user: User, video_id: object) -> Video:
    video = access_video(acting_user, video_id)
    require_change_video(acting_user, video)
    if video.status != Video.Status.FAILED:
        raise Conflict("not_failed", "Only a video whose processing failed can be retried.")
    with transaction.atomic():
        video.status, video.progress, video.error = Video.Status.PROCESSING, 0, ""
        video.save(update_fields=["status", "progress", "error", "updated_at"])
        _queue_processing(video)
        _publish_progress(video)
    return video


def video_update(
    *, acting_user: User, video_id: object, title: str, description: str = "", is_confidential: bool | None = None
) -> Video:
    video = access_video(acting_user, video_id)
    require_change_video(acting_user, video)
    video.title, video.description = _clean_text(title, description)
    if is_confidential is not None:
        require_may_be_confidential(video.department, is_confidential, NO_CONFIDENTIAL_COMPANY_VIDEO)
        video.is_confidential = is_confidential
    with transaction.atomic():
        video.save(update_fields=["title", "description", "is_confidential", "updated_at"])
        forget_card(video)  # the feed card shows the title
    return video


def video_delete(*, acting_user: User, video_id: object) -> None:
    """Soft delete: gone for everyone at once; the worker removes the files afterwards."""
    video = access_video(acting_user, video_id)
    require_change_video(acting_user, video)
    with transaction.atomic():
        video.deleted_at = timezone.now()
        video.save(update_fields=["deleted_at"])
        forget_card(video)  # the announcement's card loses its poster and play link
        from .tasks import remove_video_files

        transaction.on_commit(lambda: remove_video_files.enqueue(video.pk))


def remove_deleted_files() -> int:
    removed = 0
    for video in Video.objects.filter(deleted_at__isnull=False, files_removed=False):
        shutil.rmtree(media_path(video.folder), ignore_errors=True)
        Video.objects.filter(pk=video.pk).update(files_removed=True)
        removed += 1
    return removed


def video_viewed(*, acting_user: User, video: Video) -> None:
    """Count a view (the page opened); cheap, no lock."""
    Video.objects.filter(pk=video.pk).update(view_count=F("view_count") + 1)


# ---------------------------------------------------------------- captions


def caption_save(*, acting_user: User, video_id: object, language: str, data: bytes, label: str = "") -> Caption:
    """Upload (or correct) the captions of one language: WebVTT or SRT, stored as clean WebVTT."""
    video = access_video(acting_user, video_id)
    require_change_video(acting_user, video)
    language = (language or "").strip()
    if not language or len(language) > 16 or not all(part.isalnum() for part in language.split("-")):
        raise Invalid.field("language", "Give a language code such as en, fr or de-CH.")
    cues = caption_files.parse(data)
    label = (label or "").strip()[:60] or language
    return store_caption(video=video, language=language, label=label, cues=cues)


def store_caption(
    *, video: Video, language: str, label: str, cues: list[caption_files.Cue], is_automatic: bool = False
) -> Caption:
    """Write one language's track as a new revision (the caller authorised). A person's save is never automatic."""
    with transaction.atomic():
        caption = Caption.objects.select_for_update().filter(video=video, language=language).first()
        if caption is None:
            caption = Caption(video=video, language=language, label=label, revision=1)
        else:
            media_path(caption.file_name).unlink(missing_ok=True)
            caption.revision += 1
            caption.label = label
        caption.video = video
        caption.text = caption_files.transcript_text(cues)
        caption.is_automatic = is_automatic
        caption.save()
        path = media_path(caption.file_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(caption_files.to_webvtt(cues), encoding="utf-8")
    return caption


def caption_delete(*, acting_user: User, video_id: object, language: str) -> None:
    video = access_video(acting_user, video_id)
    require_change_video(acting_user, video)
    caption = Caption.objects.filter(video=video, language=language).first()
    if caption is None:
        raise NotFound("unknown_caption", "There are no captions in that language.")
    caption.video = video
    media_path(caption.file_name).unlink(missing_ok=True)
    caption.delete()


# ---------------------------------------------------------------- playlists


def playlist_create(*, acting_user: User, department_ref: object, title: str) -> Playlist:
    department = access_department_content(acting_user, department_ref)
    require_moderate(acting_user, department)
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise Invalid.field("title", "A playlist needs a title of at most 120 characters.")
    return Playlist.objects.create(department=department, title=title)


def playlist_delete(*, acting_user: User, playlist_id: object) -> None:
    playlist = access_playlist(acting_user, playlist_id)
    require_moderate(acting_user, playlist.department)
    playlist.delete()


def playlist_add(*, acting_user: User, playlist_id: object, video_id: object) -> PlaylistEntry:
    playlist = access_playlist(acting_user, playlist_id)
    require_moderate(acting_user, playlist.department)
    video = access_video(acting_user, video_id)
    if video.department_id != playlist.department_id:
        raise Invalid.field("video", "A playlist holds videos of its own department.")
    with transaction.atomic():
        Playlist.objects.select_for_update().get(pk=playlist.pk)
        entry = PlaylistEntry.objects.filter(playlist=playlist, video=video).first()
        if entry is None:
            last = playlist.entries.order_by("-position").values_list("position", flat=True).first()
            entry = PlaylistEntry.objects.create(playlist=playlist, video=video, position=(last or 0) + 1)
    return entry


def playlist_remove(*, acting_user: User, playlist_id: object, video_id: object) -> None:
    playlist = access_playlist(acting_user, playlist_id)
    require_moderate(acting_user, playlist.department)
    PlaylistEntry.objects.filter(playlist=playlist, video_id=video_id if isinstance(video_id, int) else 0).delete()


def playlist_move(*, acting_user: User, playlist_id: object, video_id: object, position: int) -> list[int]:
    """Move one video to `position` (1-based) and renumber; returns the video ids in order."""
    playlist = access_playlist(acting_user, playlist_id)
    require_moderate(acting_user, playlist.department)
    with transaction.atomic():
        Playlist.objects.select_for_update().get(pk=playlist.pk)
        order = list(playlist.entries.values_list("video_id", flat=True))
        if video_id not in order:
            raise Invalid.field("video", "That video is not in the playlist.")
        order.remove(video_id)
        order.insert(max(0, min(int(position) - 1, len(order))), video_id)
        entries = {e.video_id: e for e in playlist.entries.all()}
        for index, pk in enumerate(order, start=1):
            entries[pk].position = index
        PlaylistEntry.objects.bulk_update(entries.values(), ["position"])
    return order


# ---------------------------------------------------------------- required viewing and progress


def required_set(*, acting_user: User, video_id: object, due_on: date) -> RequiredViewing:
    video = access_video(acting_user, video_id)
    require_moderate(acting_user, video.department)
    if due_on < timezone.localdate():
        raise Invalid.field("due_on", "The due date cannot be in the past.")
    required, _ = RequiredViewing.objects.update_or_create(
        video=video, defaults={"due_on": due_on, "created_by": acting_user, "reminded_at": None}
    )
    return required


def required_clear(*, acting_user: User, video_id: object) -> None:
    video = access_video(acting_user, video_id)
    require_moderate(acting_user, video.department)
    RequiredViewing.objects.filter(video=video).delete()


def progress_report(
    *, acting_user: User, video_id: object, position: float, now: datetime | None = None
) -> WatchProgress:
    """The player reports where it is; only plausible forward movement counts as watched.

    Between two reports, at most the elapsed wall-clock time (times the fastest playback
    speed) counts. A jump further than that is a seek: it moves the position and counts
    nothing, so skipping to the end never completes a video. A report that reaches the row
    after a later one (two requests in flight on a slow server) is stale and changes nothing:
    taking its older position would make the next report look like a seek.
    """
    video = access_video(acting_user, video_id)
    if video.status != Video.Status.READY:
        raise Conflict("not_ready", "The video is not ready to play yet.")
    try:
        position = float(position)
    except (TypeError, ValueError):
        raise Invalid.field("position", "A position is a number of seconds.") from None
    if not 0 <= position <= video.duration + 1:
        raise Invalid.field("position", "The position is outside the video.")
    now = now or timezone.now()
    with transaction.atomic():
        row, _ = WatchProgress.objects.select_for_update().get_or_create(video=video, user=acting_user)
        if row.last_report_at is not None and now < row.last_report_at:
            return row
        if row.last_report_at is not None:
            elapsed = max(0.0, (now - row.last_report_at).total_seconds())
            moved = position - row.last_position
            if 0 < moved <= elapsed * SPEED_ALLOWANCE + 1:
                row.watched_seconds = min(video.duration, row.watched_seconds + moved)
        row.last_position, row.last_report_at = position, now
        completes = (
            row.completed_at is None and video.duration and row.watched_seconds >= COMPLETE_SHARE * video.duration
        )
        if completes:
            row.completed_at = now
        row.save()
        if completes:
            _publish_completion(video, acting_user, row)
    return row


def _publish_completion(video: Video, viewer: User, row: WatchProgress) -> None:
    """The managers' dashboard moves on: x of y, and who just completed (after commit)."""
    readers = readers_of(video.department)
    completed = WatchProgress.objects.filter(video=video, completed_at__isnull=False, user__in=readers).count()
    event: VideoCompletionEvent = {
        "type": "video.completion", "video": video.pk, "completed": completed, "total": readers.count(),
        "user": {"id": viewer.pk, "name": viewer.display_name}, "completed_at": row.completed_at.isoformat(),
        "percent": int(min(100, row.watched_seconds / video.duration * 100)),
    }  # fmt: skip
    publish(COMPLETION_TOPIC, video.pk, event)


def send_required_reminders(*, today: date | None = None) -> int:
    """Before the due date, remind each reader who has not completed (once per required viewing)."""
    from apps.notifications.emails import queue_notification_emails
    from apps.notifications.services import notify

    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.VIDEO_REMINDER_DAYS_BEFORE)
    sent = 0
    due = RequiredViewing.objects.select_related("video__department").filter(
        reminded_at__isnull=True, due_on__gte=today, due_on__lte=horizon, video__deleted_at__isnull=True
    )
    for required in due:
        video = required.video
        done = WatchProgress.objects.filter(video=video, completed_at__isnull=False).values("user_id")
        pending = list(readers_of(video.department).exclude(pk__in=done))
        url = f"/videos/{video.pk}/"
        with transaction.atomic():
            created = notify(
                recipients=pending, kind="reminder", url=url, department=video.department,
                title=f"Reminder: a video in {video.department.name} is required viewing by {required.due_on:%d %b}",
            )  # fmt: skip
            queue_notification_emails(
                user_ids=[n.recipient_id for n in created], kind="reminder", path=url,
                subject=f"Reminder: a video in {video.department.name} is required viewing",
            )  # fmt: skip
            required.reminded_at = timezone.now()
            required.save(update_fields=["reminded_at"])
        sent += len(created)
    return sent
