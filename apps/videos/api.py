"""REST API of videos: the same gatekeepers, selectors and services as the pages.

Bytes go up through the tus endpoint (`/api/v1/videos/uploads/`); `POST /api/v1/videos/` turns a
finished upload into a video. Files are read through the `/media/...` URLs given here.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.arrival import arrived_at
from apps.core.errors import Invalid
from apps.core.ids import parse_id
from apps.core.pagination import DefaultCursorPagination
from apps.core.schema import error_responses
from apps.core.serializers import ID_SCHEMA, IdField, person_field
from apps.departments.access import access_department_content

from . import access, selectors, services, speech
from . import captions as caption_files
from .models import Caption, Playlist, Transcription, Video


def _media(name: str) -> str:
    return reverse("media", args=[name])


class CaptionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Caption
        fields = ["language", "label", "is_automatic", "url"]
        read_only_fields = fields

    def get_url(self, caption: Caption) -> str:
        return _media(caption.file_name)


class VideoSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    uploader = person_field()
    hls_url = serializers.SerializerMethodField()
    mp4_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    thumbnails_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    post = serializers.IntegerField(
        source="announced_post_id", allow_null=True, read_only=True,
        help_text="The feed post that announced it, where its comments and reactions are (`/api/v1/posts/<id>/`).",
    )  # fmt: skip

    class Meta:
        model = Video
        fields = [
            "id", "department", "uploader", "title", "description", "is_confidential", "status", "progress",
            "error", "duration", "width", "height", "renditions", "view_count", "created_at", "url", "hls_url",
            "mp4_url", "poster_url", "thumbnails_url", "post",
        ]  # fmt: skip
        read_only_fields = fields

    def _ready(self, video: Video) -> bool:
        return video.status == Video.Status.READY

    def get_url(self, video: Video) -> str:
        return reverse("videos:detail", args=[video.pk])

    def get_hls_url(self, video: Video) -> str | None:
        return _media(video.master_playlist) if self._ready(video) else None

    def get_mp4_url(self, video: Video) -> str | None:
        return _media(video.fallback_mp4) if self._ready(video) else None

    def get_poster_url(self, video: Video) -> str | None:
        return _media(video.poster) if self._ready(video) else None

    def get_thumbnails_url(self, video: Video) -> str | None:
        return _media(video.sprite_index) if self._ready(video) and video.has_sprite else None


class VideoCreateSerializer(serializers.Serializer):
    upload = serializers.UUIDField(help_text="The id at the end of the tus upload's Location.")
    title = serializers.CharField(max_length=services.MAX_TITLE)
    description = serializers.CharField(max_length=services.MAX_DESCRIPTION, required=False, allow_blank=True)
    is_confidential = serializers.BooleanField(required=False, allow_null=True, default=None)
    announce = serializers.BooleanField(required=False, default=False, help_text="Post it in the feed when ready.")


class VideoUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=services.MAX_TITLE)
    description = serializers.CharField(max_length=services.MAX_DESCRIPTION, required=False, allow_blank=True)
    is_confidential = serializers.BooleanField(required=False, allow_null=True, default=None)


class ProgressSerializer(serializers.Serializer):
    position = serializers.FloatField(min_value=0, max_value=10**7, help_text="Seconds into the video.")


class ProgressAnswerSerializer(serializers.Serializer):
    watched_seconds = serializers.FloatField()
    last_position = serializers.FloatField()
    completed = serializers.SerializerMethodField()

    def get_completed(self, row) -> bool:
        return row.completed_at is not None


class CaptionUploadSerializer(serializers.Serializer):
    language = serializers.CharField(max_length=16)
    label = serializers.CharField(max_length=60, required=False, allow_blank=True)
    vtt = serializers.CharField(max_length=caption_files.MAX_CAPTION_BYTES, help_text="WebVTT or SRT text.")


class AutoCaptionsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["none", "off", *Transcription.Status.values],
        help_text="none: not made (yet); off: turned off on this server; no_speech: nothing to caption.",
    )
    percent = serializers.IntegerField(help_text="How much of the sound has been heard.")
    error = serializers.CharField(help_text="Why it failed, or why there is no speech.")
    language = serializers.CharField()
    words = serializers.IntegerField(help_text="Words recognised.")


class RequiredSerializer(serializers.Serializer):
    due_on = serializers.DateField()


class CompletionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.display_name")
    percent = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)


class PlaylistSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    videos = serializers.SerializerMethodField()

    class Meta:
        model = Playlist
        fields = ["id", "department", "title", "videos"]
        read_only_fields = fields

    def get_videos(self, playlist: Playlist) -> list[int]:
        return [entry.video_id for entry in playlist.entries.all()]


class PlaylistCreateSerializer(serializers.Serializer):
    department = serializers.SlugField()
    title = serializers.CharField(max_length=120)


class PlaylistEntrySerializer(serializers.Serializer):
    video = IdField()
    position = serializers.IntegerField(min_value=1, max_value=10**6, required=False)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema(
    parameters=[
        OpenApiParameter("department", str, description="A department's slug: its library only."),
        OpenApiParameter("q", str, description="Search titles, descriptions and captions."),
    ]
)
@error_responses(404)
class VideoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Videos in the departments the caller reads: ready ones, and their own still processing."""

    serializer_class = VideoSerializer
    lookup_value_converter = "id"
    pagination_class = DefaultCursorPagination

    def get_queryset(self):
        department = None
        if slug := self.request.query_params.get("department"):
            department = access_department_content(self.request.user, slug)
        return selectors.library(
            self.request.user, department=department, q=self.request.query_params.get("q", "")
        ).select_related("uploader__profile")

    def get_object(self) -> Video:
        return access.access_video(self.request.user, self.kwargs["pk"])

    @extend_schema(request=VideoCreateSerializer, responses={201: VideoSerializer})
    def create(self, request):
        """Create a video from a finished tus upload; ffprobe refuses anything that is not a video we accept."""
        data = _valid(VideoCreateSerializer, request)
        video = services.video_create(acting_user=request.user, upload_id=data.pop("upload"), **data)
        return Response(self.get_serializer(video).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VideoUpdateSerializer, responses=VideoSerializer)
    def partial_update(self, request, pk=None):
        """The uploader or a manager edits the title, description and label."""
        data = _valid(VideoUpdateSerializer, request)
        video = services.video_update(acting_user=request.user, video_id=pk, **data)
        return Response(self.get_serializer(video).data)

    def destroy(self, request, pk=None):
        """Soft delete (uploader or manager); the worker removes the files."""
        services.video_delete(acting_user=request.user, video_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=VideoSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Process a failed video again."""
        return Response(self.get_serializer(services.video_retry(acting_user=request.user, video_id=pk)).data)

    @extend_schema(request=None, responses={201: VideoSerializer})
    @action(detail=True, methods=["post"])
    def announce(self, request, pk=None):
        """The uploader or a manager posts it in the feed (not announced yet, or its post deleted)."""
        services.video_announce(acting_user=request.user, video_id=pk)
        video = access.access_video(request.user, pk)
        return Response(self.get_serializer(video).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProgressSerializer, responses=ProgressAnswerSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """The player reports its position; only plausible watching counts (a seek to the end does not)."""
        data = _valid(ProgressSerializer, request)
        row = services.progress_report(
            acting_user=request.user, video_id=pk, position=data["position"], now=arrived_at(request)
        )
        return Response(ProgressAnswerSerializer(row).data)

    @extend_schema(methods=["GET"], responses=CaptionSerializer(many=True))
    @extend_schema(methods=["POST"], request=CaptionUploadSerializer, responses={201: CaptionSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a few languages: one list, no cursor
    def captions(self, request, pk=None):
        """GET: the captions by language. POST (uploader, managers): WebVTT or SRT text for one language."""
        if request.method == "POST":
            data = _valid(CaptionUploadSerializer, request)
            caption = services.caption_save(
                acting_user=request.user, video_id=pk, language=data["language"], label=data.get("label", ""),
                data=data["vtt"].encode(),
            )  # fmt: skip
            return Response(CaptionSerializer(caption).data, status=status.HTTP_201_CREATED)
        video = self.get_object()
        found = list(video.captions.all())
        for caption in found:
            caption.video = video
        return Response(CaptionSerializer(found, many=True).data)

    @extend_schema(methods=["GET"], responses=AutoCaptionsSerializer)
    @extend_schema(methods=["POST"], request=None, responses=AutoCaptionsSerializer)
    @action(detail=True, methods=["get", "post"], url_path="auto-captions")
    def auto_captions(self, request, pk=None):
        """GET: the automatic captions' state. POST (uploader, managers): recognise the speech again after a failure."""
        if request.method == "POST":
            speech.transcription_retry(acting_user=request.user, video_id=pk)
        return Response(AutoCaptionsSerializer(speech.state_of(self.get_object())).data)

    @extend_schema(methods=["POST"], request=RequiredSerializer, responses=RequiredSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def required(self, request, pk=None):
        """Managers: make it required viewing by a date, or (DELETE) no longer."""
        if request.method == "DELETE":
            services.required_clear(acting_user=request.user, video_id=pk)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = _valid(RequiredSerializer, request)
        required = services.required_set(acting_user=request.user, video_id=pk, due_on=data["due_on"])
        return Response(RequiredSerializer(required).data)

    @extend_schema(
        responses=inline_serializer(
            "VideoCompletion",
            {"completed": serializers.IntegerField(), "total": serializers.IntegerField(),
             "people": CompletionRowSerializer(many=True)},
        )
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def completion(self, request, pk=None):
        """Managers: how many of the department's readers completed it, and each person's share."""
        video = self.get_object()
        access.require_moderate(request.user, video.department)
        rows, done = selectors.completion(video)
        return Response(
            {"completed": done, "total": len(rows), "people": CompletionRowSerializer(rows, many=True).data}
        )


@extend_schema(parameters=[OpenApiParameter("department", str, description="A department's slug.")])
@error_responses(404)
class PlaylistViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Ordered playlists of a department's videos; managers curate them."""

    serializer_class = PlaylistSerializer
    lookup_value_converter = "id"
    pagination_class = DefaultCursorPagination

    def get_queryset(self):
        from apps.departments.access import readable_department_ids

        playlists = Playlist.objects.filter(department_id__in=readable_department_ids(self.request.user))
        if slug := self.request.query_params.get("department"):
            playlists = playlists.filter(department=access_department_content(self.request.user, slug))
        return playlists.select_related("department").prefetch_related("entries")

    def get_object(self) -> Playlist:
        return access.access_playlist(self.request.user, self.kwargs["pk"])

    @extend_schema(request=PlaylistCreateSerializer, responses={201: PlaylistSerializer})
    def create(self, request):
        data = _valid(PlaylistCreateSerializer, request)
        playlist = services.playlist_create(
            acting_user=request.user, department_ref=data["department"], title=data["title"]
        )
        return Response(self.get_serializer(playlist).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.playlist_delete(acting_user=request.user, playlist_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["POST"], request=PlaylistEntrySerializer, responses=PlaylistSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses=PlaylistSerializer,
                   parameters=[OpenApiParameter("video", ID_SCHEMA, required=True)])  # fmt: skip
    @action(detail=True, methods=["post", "delete"])
    def videos(self, request, pk=None):
        """POST: add a video (or move it, with `position`). DELETE `?video=<id>`: take it out."""
        if request.method == "DELETE":
            video_id = parse_id(request.query_params.get("video", ""))
            if video_id is None:
                raise Invalid.field("video", "Give the video's id as ?video=<id>.")
            services.playlist_remove(acting_user=request.user, playlist_id=pk, video_id=video_id)
        else:
            data = _valid(PlaylistEntrySerializer, request)
            if "position" in data:
                services.playlist_add(acting_user=request.user, playlist_id=pk, video_id=data["video"])
                services.playlist_move(
                    acting_user=request.user, playlist_id=pk, video_id=data["video"], position=data["position"]
                )
            else:
                services.playlist_add(acting_user=request.user, playlist_id=pk, video_id=data["video"])
        return Response(self.get_serializer(self.get_object()).data)
