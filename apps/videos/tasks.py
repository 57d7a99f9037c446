"""Background work of videos, run by `manage.py run_worker` (Django Tasks, database backend)."""

from datetime import timedelta

from django.tasks import task

from apps.core.periodic import periodic


@task
def process_video(video_id: int) -> str | None:
    """Transcode one uploaded video (never in a request: minutes of CPU for long sources)."""
    from .services import video_process

    video = video_process(video_id=video_id)
    return video.status if video else None


@task
def transcribe_video(video_id: int) -> str | None:
    """Automatic captions by offline speech recognition, queued once the video is ready (`speech.py`)."""
    from .speech import transcribe

    row = transcribe(video_id=video_id)
    return row.status if row else None


@task
def remove_video_files(video_id: int) -> int:
    from .services import remove_deleted_files

    return remove_deleted_files()


@periodic(every=timedelta(hours=1))
@task
def clean_up_videos() -> int:
    """Abandoned tus uploads and the files of deleted videos."""
    from .services import remove_abandoned_uploads, remove_deleted_files

    return remove_abandoned_uploads() + remove_deleted_files()


@periodic(every=timedelta(hours=1))
@task
def remind_required_viewing() -> int:
    from .services import send_required_reminders

    return send_required_reminders()
