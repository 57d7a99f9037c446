"""GET /api/v1/search/: the search service over the API (the same one the header box uses)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from apps.core.schema import error_responses
from apps.core.serializers import IdField

from . import services
from .query import MAX_QUERY_LENGTH


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default="",
        help_text=f'Words, "a phrase", -excluded, `or`; `has:file` and `kind:<kind>` too. '
        f"At most {MAX_QUERY_LENGTH} characters.",
    )  # fmt: skip
    kind = serializers.CharField(required=False, help_text="A tab (posts, chat, people, ...) or one kind (comment).")
    department = IdField(required=False, help_text="Only this department's content.")
    room = IdField(required=False, help_text="Only this chat room's messages.")
    author = IdField(required=False, help_text="Only what this person wrote (a user id).")
    date_from = serializers.DateField(required=False, help_text="From this day (included).")
    date_to = serializers.DateField(required=False, help_text="Up to this day (included).")
    has_file = serializers.BooleanField(required=False, default=False, help_text="Only results with a file.")
    sort = serializers.ChoiceField(choices=services.SORTS, required=False, default="relevance")
    cursor = serializers.CharField(required=False, help_text="The `next` or `previous` link's cursor.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=services.PAGE_SIZE)


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class HitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    id = serializers.IntegerField(source="object_id")
    url = serializers.CharField(help_text="The exact place: a comment's anchor, a chat message in its room.")
    title = serializers.CharField(help_text="HTML: escaped text with the matches in <mark>.")
    snippet = serializers.CharField(help_text="HTML: escaped text with the matches in <mark>.")
    created_at = serializers.DateTimeField()
    department = serializers.CharField(source="department_name", allow_null=True)
    author = AuthorSerializer(allow_null=True)


class SearchResultsSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = HitSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Matches per tab, up to the cap.")
    counts_capped = serializers.BooleanField(help_text=f"More than {services.COUNT_CAP} matches: counts stop there.")
    message = serializers.CharField(allow_null=True, help_text="Why there is nothing to show, if so.")


class SearchView(APIView):
    """Everything the caller may read that matches `q`, best first (or newest first), with counts per tab."""

    @extend_schema(parameters=[SearchQuerySerializer], responses=SearchResultsSerializer)
    @error_responses(400)
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        filters = services.parse_filters(
            {
                "kind": params.get("kind"),
                "department": params.get("department"),
                "room": params.get("room"),
                "author": params.get("author"),
                "from": params.get("date_from"),
                "to": params.get("date_to"),
                "has_file": "1" if params["has_file"] else "",
                "sort": params["sort"],
            }
        )
        results = services.search(
            acting_user=request.user,
            q=params["q"],
            filters=filters,
            cursor=params.get("cursor"),
            page_size=params["page_size"],
        )
        url = request.build_absolute_uri()

        def link(cursor: str | None) -> str | None:
            return replace_query_param(url, "cursor", cursor) if cursor else None

        data = {
            "next": link(results.next_cursor),
            "previous": link(results.previous_cursor)
            or (
                remove_query_param(url, "cursor") if params.get("cursor") and results.previous_cursor is None else None
            ),
            "results": [_hit(hit) for hit in results.hits],
            "counts": results.counts,
            "counts_capped": results.capped,
            "message": results.message,
        }
        return Response(data)


_when = serializers.DateTimeField()


def _hit(hit: services.Hit) -> dict:
    """One hit as `HitSerializer` describes it, built directly: the serializer cost more than the search's queries."""
    author = hit.author
    return {
        "kind": hit.kind,
        "kind_label": hit.kind_label,
        "id": hit.object_id,
        "url": hit.url,
        "title": str(hit.title),
        "snippet": str(hit.snippet),
        "created_at": _when.to_representation(hit.created_at),
        "department": hit.department_name,
        "author": {"id": author.pk, "name": author.display_name} if author is not None else None,
    }
