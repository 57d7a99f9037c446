from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.accounts.models import User
from apps.core.errors import Invalid
from apps.core.pagination import ByNameCursorPagination
from apps.core.serializers import IdRelatedField

from . import services
from .access import access_profile
from .models import Profile


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class FileUrlField(serializers.Field):
    """The authorised download URL of a stored file, or null."""

    def to_representation(self, value) -> str | None:
        return reverse("media", kwargs={"path": value.name}) if value else None


class ProfileSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    manager = IdRelatedField(queryset=User.objects.filter(is_active=True), allow_null=True, required=False)
    photo_url = FileUrlField(source="photo", read_only=True)
    thumbnail_url = FileUrlField(source="photo_thumbnail", read_only=True)
    skills = serializers.CharField(max_length=500, required=False, allow_blank=True)
    id = serializers.IntegerField(source="user_id", read_only=True, help_text="The user's id.")

    class Meta:
        model = Profile
        fields = [
            "id", "email", "display_name", "job_title", "status", "away_until", "bio", "bio_html", "skills",
            "location", "phone", "time_zone", "manager", "photo_url", "thumbnail_url", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["bio_html", "updated_at"]


class ProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People's profiles: everyone reads, people edit their own, admins edit anyone's and set managers."""

    serializer_class = ProfileSerializer
    pagination_class = ByNameCursorPagination
    lookup_field = "user_id"

    def get_queryset(self):
        query = self.request.query_params.get("q", "")[:100]
        return Profile.objects.visible_to(self.request.user).search(query).select_related("user")

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Words in name, e-mail, title, skills or place")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Profile:
        return access_profile(self.request.user, int(self.kwargs["user_id"]), write=self.request.method != "GET")

    def partial_update(self, request, user_id=None):
        profile = self.get_object()
        data = ProfileSerializer(profile, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k in services.EDITABLE_FIELDS}
        extra = {}
        if "manager" in data.validated_data:
            manager = data.validated_data["manager"]
            extra["manager_id"] = manager.pk if manager else None
        if "away_until" in data.validated_data:
            extra["away_until"] = data.validated_data["away_until"]
        services.profile_update(acting_user=request.user, profile=profile, **fields, **extra)
        return Response(ProfileSerializer(profile).data)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("PhotoUpload", {"photo": serializers.FileField()})},
        responses=ProfileSerializer,
    )
    @action(detail=True, methods=["put", "delete"], parser_classes=[MultiPartParser, FormParser])
    def photo(self, request, user_id=None):
        """Upload (PUT, multipart field `photo`) or remove (DELETE) the photo."""
        profile = self.get_object()
        if request.method == "DELETE":
            services.profile_remove_photo(acting_user=request.user, profile=profile)
            return Response(ProfileSerializer(profile).data)
        upload = request.FILES.get("photo")
        if upload is None:
            raise ValidationError({"photo": "Attach the picture as the multipart field 'photo'."})
        try:
            services.profile_set_photo(acting_user=request.user, profile=profile, upload=upload)
        except Invalid as error:
            raise Invalid.fields({"photo": error.detail}, code=error.code) from None
        return Response(ProfileSerializer(profile).data)
