"""Videos in search (see apps/search/registry.py): title, description and every caption's text.

Found by the readers of the video's department (the default `department` audience, from the one read
rule, inside the search query), once ready and until deleted, like the library shows them.
Captions are written by the uploader, by the automatic captioning in the worker and by
corrections; whichever writes them, their save or delete re-indexes the video (the receivers
below), the same ORM hook the registry uses for every kind, so no caption writer has to
remember search.
"""

from django.db.models import signals
from django.urls import reverse

from apps.search.index import update_index
from apps.search.registry import DocumentData, Group, SearchKind, register

from .models import Caption, Video

VIDEOS = Group("videos", "Videos")


def _video_document(video: Video) -> DocumentData | None:
    if video.deleted_at is not None or video.status != Video.Status.READY:
        return None
    transcripts = [caption.text for caption in video.captions.all() if caption.text]
    return DocumentData(
        object_id=video.pk,
        title=video.title,
        body="\n".join([video.description, *transcripts]),
        url=reverse("videos:detail", args=[video.pk]),
        created_at=video.created_at,
        department_id=video.department_id,
        author_id=video.uploader_id,
    )


def _caption_changed(sender, instance: Caption, raw: bool = False, **kwargs) -> None:
    if not raw:
        update_index(Video, [instance.video_id])


register(
    SearchKind(
        name="video",
        label="Video",
        group=VIDEOS,
        model=Video,
        queryset=lambda: Video.objects.prefetch_related("captions"),
        document=_video_document,
        fields=frozenset({"title", "description", "status", "deleted_at", "department"}),
    )
)
signals.post_save.connect(_caption_changed, sender=Caption, dispatch_uid="search-video-captions-save")
signals.post_delete.connect(_caption_changed, sender=Caption, dispatch_uid="search-video-captions-delete")
