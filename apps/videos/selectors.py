"""Reads for video pages and the API: the library, a video's cues, required viewing, completion.

Lists cost a constant number of queries whatever their length."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import User
from apps.core.errors import Invalid, NotFound
from apps.departments.access import readers_of
from apps.departments.models import Department

from . import captions as caption_files
from .models import Caption, Playlist, RequiredViewing, Video, WatchProgress
from .services import media_path

PAGE_SIZE = 24
MAX_QUERY = 200


def library(
    user: User, *, department: Department | None = None, q: str = "", playlist: Playlist | None = None
) -> QuerySet:
    """Videos `user` may watch (ready ones, and their own still processing or failed), newest first.

    `q` searches titles, descriptions and caption text.
    """
    videos = Video.objects.visible_to(user).filter(Q(status=Video.Status.READY) | Q(uploader_id=user.pk))
    if department is not None:
        videos = videos.filter(department=department)
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        in_captions = Caption.objects.filter(video=OuterRef("pk"), text__icontains=q)
        videos = videos.filter(Q(title__icontains=q) | Q(description__icontains=q) | Exists(in_captions))
    if playlist is not None:
        return (
            videos.filter(playlist_entries__playlist=playlist)
            .select_related("department")
            .order_by("playlist_entries__position", "pk")
        )
    return videos.select_related("department").order_by("-created_at", "-pk")


def discussion(user: User, video: Video):
    """The feed post where the video's comments and reactions live (its announcement), or None.

    One comment system: the feed's. The post is in the video's department, so its readers are
    the video's; a deleted announcement means no discussion until someone announces it again.
    Three queries: the post, my reactions, the comments.
    """
    from apps.feed.access import access_post
    from apps.feed.cards import personal_state
    from apps.feed.selectors import post_comments

    if not video.announced_post_id:
        return None
    try:
        post = access_post(user, video.announced_post_id)
    except NotFound:
        return None
    personal_state([post], user)
    post.comment_list = post_comments(post)
    return post


def cues_of(caption: Caption) -> list[caption_files.Cue]:
    """The stored WebVTT's cues (for the transcript beside the player)."""
    try:
        return caption_files.parse(media_path(caption.file_name).read_bytes())
    except (OSError, Invalid):
        return []


def my_required(user: User) -> QuerySet:
    """Required viewing in the departments `user` reads that they have not completed, soonest first."""
    done = WatchProgress.objects.filter(video=OuterRef("video"), user_id=user.pk, completed_at__isnull=False)
    return (
        RequiredViewing.objects.filter(video__in=Video.objects.visible_to(user).ready())
        .exclude(Exists(done))
        .select_related("video__department")
        .order_by("due_on", "pk")
    )


@dataclass
class CompletionRow:
    user: User
    watched_seconds: float
    percent: int
    completed_at: object


def completion(video: Video) -> tuple[list[CompletionRow], int]:
    """Every reader of the video's department with how much they watched (two queries), and how many completed."""
    progress = {p.user_id: p for p in WatchProgress.objects.filter(video=video)}
    rows = []
    for person in readers_of(video.department).select_related("profile").order_by("profile__display_name", "pk"):
        row = progress.get(person.pk)
        watched = row.watched_seconds if row else 0.0
        percent = int(min(100, watched / video.duration * 100)) if video.duration else 0
        rows.append(CompletionRow(person, watched, percent, row.completed_at if row else None))
    rows.sort(key=lambda r: (r.completed_at is not None, r.percent))
    return rows, sum(1 for r in rows if r.completed_at)
