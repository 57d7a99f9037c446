"""Who may do what with videos. Who *reads* a department is decided in `apps.departments.access`;
this module adds only what is particular to videos.

- A video is read by whoever reads its department (`Video.objects.visible_to`); its files
  (segments, playlists, MP4, poster, sprite, captions) too, checked on every request.
- The uploader edits it, uploads captions, retries a failed processing and deletes it; the
  department's moderators (managers, admin members) do all that too, and manage playlists
  and required viewing.
- Missing and not-yours answer `NotFound`; seen but not yours to change answers `Forbidden`.
"""

from apps.core.errors import Forbidden, NotFound
from apps.core.ids import parse_id
from apps.departments.access import can_moderate, can_read
from apps.departments.models import Department

from .models import UPLOADS_FOLDER, Playlist, Video

UNKNOWN_VIDEO = "There is no such video, or you do not have access to it."
UNKNOWN_PLAYLIST = "There is no such playlist, or you do not have access to it."


def access_video(user, video_id: object) -> Video:
    """The only way to get a video: one `user` reads, with its department, or `NotFound`."""
    pk = parse_id(video_id)
    video = (
        Video.objects.visible_to(user)
        .select_related("department", "uploader", "required", "transcription")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if video is None:
        raise NotFound("unknown_video", UNKNOWN_VIDEO)
    return video


def can_change_video(user, video: Video) -> bool:
    return (video.uploader_id == user.pk and can_read(user, video.department)) or can_moderate(user, video.department)


def require_change_video(user, video: Video) -> None:
    if not can_change_video(user, video):
        raise Forbidden("not_yours", "Only the uploader or the department's managers can change this video.")


def require_moderate(user, department: Department) -> None:
    if not can_moderate(user, department):
        raise Forbidden("not_a_manager", "Only the department's managers can do this.")


def access_playlist(user, playlist_id: object) -> Playlist:
    pk = parse_id(playlist_id)
    playlist = Playlist.objects.select_related("department").filter(pk=pk).first() if pk else None
    if playlist is None or not can_read(user, playlist.department):
        raise NotFound("unknown_playlist", UNKNOWN_PLAYLIST)
    return playlist


def can_read_video_file(user, name: str) -> bool:
    """`videos/<id>/...`: the video's readers; uploads in progress are served to nobody."""
    if name.startswith(UPLOADS_FOLDER):
        return False
    video_id = parse_id(name.removeprefix("videos/").split("/", 1)[0])
    return bool(video_id) and Video.objects.visible_to(user).filter(pk=video_id).exists()


def video_topic_checker(user, video_id: int) -> bool:
    """May `user` watch "video:<id>" (its processing progress)?"""
    return Video.objects.visible_to(user).filter(pk=video_id).exists()


def completion_topic_checker(user, video_id: int) -> bool:
    """May `user` watch "video_completion:<id>" (the dashboard of who watched it)? Its department's moderators."""
    video = Video.objects.visible_to(user).select_related("department").filter(pk=video_id).first()
    return video is not None and can_moderate(user, video.department)
