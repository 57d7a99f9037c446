"""Video pages: parse, authorise through `access`, call a service, render.

A refusal raised by a service becomes the site's error page with its status
(`ServiceErrorMiddleware`); successes redirect back with a message.
"""

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from apps.core.errors import Invalid
from apps.core.ids import parse_id
from apps.core.markdown import render_markdown
from apps.core.pagination import keyset_page
from apps.departments.access import access_department_content, can_contribute, can_moderate
from apps.departments.models import Department

from . import access, selectors, services, speech
from . import captions as caption_files
from .models import Playlist, Video, WatchProgress


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """My departments' libraries and what I still have to watch."""
    departments = Department.objects.readable_by(request.user).order_by("-is_company_wide", "name")
    required = list(selectors.my_required(request.user)[:50])
    return render(request, "videos/index.html", {"departments": departments, "required": required})


@require_safe
def library(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    playlists = list(Playlist.objects.filter(department=department))
    chosen = next((p for p in playlists if p.pk == parse_id(request.GET.get("playlist", ""))), None)
    q = request.GET.get("q", "")[: selectors.MAX_QUERY]
    videos = selectors.library(request.user, department=department, q=q, playlist=chosen)
    if chosen is None:
        page = keyset_page(videos, fields=("-created_at", "-id"), cursor=request.GET.get("cursor"),
                           size=selectors.PAGE_SIZE)  # fmt: skip
        items, next_cursor = page.items, page.next_cursor
    else:
        items, next_cursor = list(videos[:200]), None
    return render(request, "videos/library.html", {
        "department": department, "videos": items, "next_cursor": next_cursor, "q": q, "playlists": playlists,
        "chosen": chosen, "can_upload": can_contribute(request.user, department),
        "can_moderate": can_moderate(request.user, department),
    })  # fmt: skip


@require_safe
def upload_page(request: HttpRequest, slug: str) -> HttpResponse:
    department = access_department_content(request.user, slug)
    services.require_contribute(request.user, department)
    return render(request, "videos/upload.html", {"department": department})


@require_safe
def detail(request: HttpRequest, video_id: int) -> HttpResponse:
    video = access.access_video(request.user, video_id)
    if video.status != Video.Status.READY and not access.can_change_video(request.user, video):
        raise access.NotFound("unknown_video", access.UNKNOWN_VIDEO)
    services.video_viewed(acting_user=request.user, video=video)
    captions = list(video.captions.all())
    for caption in captions:
        caption.video = video
    transcript = selectors.cues_of(captions[0]) if captions else []
    progress = WatchProgress.objects.filter(video=video, user=request.user).first()
    required = video.required if hasattr(video, "required") else None
    moderator = can_moderate(request.user, video.department)
    discussion = selectors.discussion(request.user, video) if video.status == Video.Status.READY else None
    return render(request, "videos/detail.html", {
        "discussion": discussion, "comments": discussion.comment_list if discussion else [],
        "next_url": request.path,
        "video": video, "description_html": render_markdown(video.description), "captions": captions,
        "transcript": transcript, "caption_editor_text": caption_files.to_webvtt(transcript) if transcript else "",
        "chapters": caption_files.chapters(video.description), "progress": progress,
        "resume_at": progress.last_position if progress and not progress.completed_at else 0,
        "required": required, "can_change": access.can_change_video(request.user, video),
        "can_moderate": moderator,
        "playlists": Playlist.objects.filter(department=video.department) if moderator else [],
    })  # fmt: skip


@require_POST
def edit(request: HttpRequest, video_id: int) -> HttpResponse:
    services.video_update(
        acting_user=request.user, video_id=video_id, title=request.POST.get("title", ""),
        description=request.POST.get("description", ""),
    )  # fmt: skip
    messages.success(request, "Video saved.")
    return redirect("videos:detail", video_id)


@require_POST
def delete(request: HttpRequest, video_id: int) -> HttpResponse:
    video = access.access_video(request.user, video_id)
    services.video_delete(acting_user=request.user, video_id=video_id)
    messages.success(request, "Video deleted.")
    return redirect("videos:library", video.department.slug)


@require_POST
def announce(request: HttpRequest, video_id: int) -> HttpResponse:
    """Post the video in the feed, where its comments and reactions go."""
    services.video_announce(acting_user=request.user, video_id=video_id)
    messages.success(request, "Announced in the feed.")
    return redirect("videos:detail", video_id)


@require_POST
def retry(request: HttpRequest, video_id: int) -> HttpResponse:
    services.video_retry(acting_user=request.user, video_id=video_id)
    messages.success(request, "Processing again.")
    return redirect("videos:detail", video_id)


@require_POST
def captions(request: HttpRequest, video_id: int) -> HttpResponse:
    """Upload a WebVTT/SRT file, or save corrected WebVTT text from the editor."""
    upload = request.FILES.get("file")
    data = upload.read(caption_files.MAX_CAPTION_BYTES + 1) if upload else request.POST.get("vtt", "").encode()
    services.caption_save(
        acting_user=request.user, video_id=video_id, language=request.POST.get("language", ""),
        label=request.POST.get("label", ""), data=data,
    )  # fmt: skip
    messages.success(request, "Captions saved.")
    return redirect("videos:detail", video_id)


@require_POST
def required(request: HttpRequest, video_id: int) -> HttpResponse:
    if request.POST.get("clear"):
        services.required_clear(acting_user=request.user, video_id=video_id)
        messages.success(request, "No longer required viewing.")
    else:
        try:
            due_on = date.fromisoformat(request.POST.get("due_on", ""))
        except ValueError:
            raise Invalid.field("due_on", "Give a due date (YYYY-MM-DD).") from None
        services.required_set(acting_user=request.user, video_id=video_id, due_on=due_on)
        messages.success(request, "Marked as required viewing.")
    return redirect("videos:detail", video_id)


@require_safe
def completion(request: HttpRequest, video_id: int) -> HttpResponse:
    """Managers: x of y completed, and who is missing."""
    video = access.access_video(request.user, video_id)
    access.require_moderate(request.user, video.department)
    rows, done = selectors.completion(video)
    return render(request, "videos/completion.html", {"video": video, "rows": rows, "done": done, "total": len(rows)})


@require_POST
def playlist_create(request: HttpRequest, slug: str) -> HttpResponse:
    playlist = services.playlist_create(
        acting_user=request.user, department_ref=slug, title=request.POST.get("title", "")
    )
    messages.success(request, "Playlist created.")
    return redirect(f"/videos/d/{playlist.department.slug}/?playlist={playlist.pk}")


@require_POST
def playlist_entry(request: HttpRequest, playlist_id: int) -> HttpResponse:
    """Add, remove or move a video in a playlist (managers)."""
    video_id = parse_id(request.POST.get("video", ""))
    action = request.POST.get("action", "add")
    if action == "remove":
        services.playlist_remove(acting_user=request.user, playlist_id=playlist_id, video_id=video_id)
    elif action == "move":
        position = parse_id(request.POST.get("position", "")) or 1
        services.playlist_move(acting_user=request.user, playlist_id=playlist_id, video_id=video_id, position=position)
    else:
        services.playlist_add(acting_user=request.user, playlist_id=playlist_id, video_id=video_id)
    playlist = access.access_playlist(request.user, playlist_id)
    return redirect(f"/videos/d/{playlist.department.slug}/?playlist={playlist.pk}")


@require_POST
def auto_captions_retry(request: HttpRequest, video_id: int) -> HttpResponse:
    """Recognise the speech again after automatic captions failed (uploader, managers)."""
    speech.transcription_retry(acting_user=request.user, video_id=video_id)
    messages.success(request, "Recognising the speech again.")
    return redirect("videos:detail", video_id)
