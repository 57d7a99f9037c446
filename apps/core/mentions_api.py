"""GET /api/v1/mentions/: whom to offer when someone types `@` in a post, a comment or a chat message.

One endpoint for every composer. The place is a department's feed (`department=<id>`) or a
chat room (`room=<id>`), registered by those apps; each app's own gatekeeper decides
whether the caller reads it and who else does, so the people offered are exactly the people a mention there can reach. A
place the caller may not read answers 404, like one that does not exist.
"""

from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.people.api import FileUrlField

from .mentions import MAX_QUERY_LENGTH, suggest
from .schema import error_responses
from .serializers import IdField


class MentionQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default="",
        help_text="What follows the `@`: the start of any word of the person's name (not the job title).",
    )  # fmt: skip
    department = IdField(required=False, help_text="A feed: the department's id.")
    room = IdField(required=False, help_text="A chat room's id.")

    def validate(self, data: dict) -> dict:
        if ("department" in data) == ("room" in data):
            raise serializers.ValidationError("Give exactly one place: `department` or `room`.", code="no_place")
        data["q"] = data["q"][: MAX_QUERY_LENGTH * 2]
        return data


class MentionSuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.display_name")
    job_title = serializers.CharField(source="user.profile.job_title", help_text="For display; not searched.")
    thumbnail_url = FileUrlField(source="user.profile.photo_thumbnail")
    insert = serializers.CharField(
        help_text="What the composer inserts: `@**Name**`, or `@**Name|id**` when two readers share the name."
    )


class MentionSuggestionsSerializer(serializers.Serializer):
    results = MentionSuggestionSerializer(many=True)


# Each app that has a place to mention people in registers how to find the readers of one
# (its gatekeeper decides, and raises `NotFound` for a place the caller may not read).
PlaceReaders = Callable[[User, int], QuerySet[User]]
_places: dict[str, PlaceReaders] = {}


def register_mention_place(parameter: str, readers: PlaceReaders) -> None:
    """`readers(user, place_id)`: the people who read the place, if `user` does."""
    _places[parameter] = readers


def readers_of_place(user: User, *, department_id: int | None = None, room_id: int | None = None) -> QuerySet[User]:
    """The people who read the place, if `user` does; `NotFound` otherwise (missing or not theirs alike)."""
    if room_id is not None:
        return _places["room"](user, room_id)
    return _places["department"](user, department_id)


class MentionSuggestionsView(APIView):
    """Up to 10 people who read the place and whose name has a word starting with `q`, first names first."""

    @extend_schema(parameters=[MentionQuerySerializer], responses=MentionSuggestionsSerializer)
    @error_responses(404)
    def get(self, request: Request) -> Response:
        query = MentionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        readers = readers_of_place(request.user, department_id=params.get("department"), room_id=params.get("room"))
        suggestions = suggest(readers, params["q"], exclude_user_id=request.user.pk)
        return Response(MentionSuggestionsSerializer({"results": suggestions}).data)
