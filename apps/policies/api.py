"""REST API of communication policies: the same gatekeepers, selectors and services as the pages."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import Invalid
from apps.core.ids import parse_id
from apps.core.pagination import ByIdCursorPagination
from apps.core.schema import error_responses
from apps.core.serializers import ID_SCHEMA, person_field
from apps.departments.access import access_department

from . import selectors, services
from .access import access_policy, applies_to
from .models import MAX_POLICY_LENGTH, MAX_SUMMARY_LENGTH, Policy, PolicyVersion


class PolicySerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    applies_to_me = serializers.SerializerMethodField()
    my_accepted_version = serializers.SerializerMethodField()

    class Meta:
        model = Policy
        fields = [
            "id", "department", "title", "current_version", "required_version", "body", "body_html",
            "never_share_words", "never_share_patterns", "applies_to_me", "my_accepted_version", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _current(self, policy: Policy) -> PolicyVersion | None:
        cache = self.context.setdefault("current_versions", {})
        if policy.pk not in cache:
            cache[policy.pk] = policy.versions.filter(number=policy.current_version).first()
        return cache[policy.pk]

    def get_body(self, policy: Policy) -> str:
        current = self._current(policy)
        return current.body if current else ""

    def get_body_html(self, policy: Policy) -> str:
        current = self._current(policy)
        return current.body_html if current else ""

    def get_applies_to_me(self, policy: Policy) -> bool:
        return applies_to(self.context["request"].user, policy)

    def get_my_accepted_version(self, policy: Policy) -> int | None:
        mine = self.context.get("mine")
        if mine is None:
            mine = self.context["mine"] = selectors.my_versions(self.context["request"].user)
        return mine.get(policy.pk)


class PolicyCreateSerializer(serializers.Serializer):
    department = serializers.SlugField(help_text="The department's slug; `all-staff` for the company policy.")
    body = serializers.CharField(max_length=MAX_POLICY_LENGTH)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SUMMARY_LENGTH)
    never_share_words = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    never_share_patterns = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class RulesSerializer(serializers.Serializer):
    never_share_words = serializers.ListField(child=serializers.CharField(allow_blank=True))
    never_share_patterns = serializers.ListField(
        child=serializers.CharField(allow_blank=True), help_text="Regular expressions; each is checked on save."
    )


class VersionSerializer(serializers.ModelSerializer):
    created_by = person_field()

    class Meta:
        model = PolicyVersion
        fields = ["number", "summary", "needs_acceptance", "body", "body_html", "created_by", "created_at"]
        read_only_fields = fields


class VersionCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_POLICY_LENGTH)
    summary = serializers.CharField(max_length=MAX_SUMMARY_LENGTH, help_text="What changed, in a line.")
    needs_acceptance = serializers.BooleanField(
        default=True, help_text="False for a minor edit (a typo): nobody is asked to accept again."
    )


class AcceptSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The version you read: it must be the current one."
    )


class AcceptanceSerializer(serializers.Serializer):
    policy = serializers.IntegerField(source="policy_id")
    version = serializers.IntegerField()
    accepted_at = serializers.DateTimeField()


class RecordEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    accepted_version = serializers.IntegerField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField()

    def get_current(self, person) -> bool:
        return person.accepted_version is not None and person.accepted_version >= self.context["required"]


class DiffLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["same", "added", "removed", "gap"])
    text = serializers.CharField()
    old_number = serializers.IntegerField(allow_null=True)
    new_number = serializers.IntegerField(allow_null=True)


class RecordPagination(ByIdCursorPagination):
    page_size = 100


@error_responses(404)  # a department that the caller may not see
class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Communication policies that apply to the caller (the company's and those of their departments)."""

    serializer_class = PolicySerializer
    lookup_value_converter = "id"
    pagination_class = None

    def get_queryset(self):
        return (
            Policy.objects.applying_to(self.request.user)
            .select_related("department")
            .order_by("-department__is_company_wide", "department__name")
        )

    def get_object(self) -> Policy:
        return access_policy(self.request.user, self.kwargs["pk"])

    @extend_schema(request=PolicyCreateSerializer, responses={201: PolicySerializer})
    def create(self, request):
        """Admins write the company policy (`all-staff`), managers their department's: version 1."""
        data = _valid(PolicyCreateSerializer, request)
        department = access_department(request.user, data.pop("department"))
        policy = services.policy_create(acting_user=request.user, department=department, **data)
        return Response(self.get_serializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RulesSerializer, responses=PolicySerializer)
    def partial_update(self, request, pk=None):
        """Set the never-share words and patterns (editors). A bad or explosive pattern is refused, nothing saved."""
        policy = access_policy(request.user, pk, edit=True)
        services.policy_set_rules(acting_user=request.user, policy=policy, **_valid(RulesSerializer, request))
        return Response(self.get_serializer(policy).data)

    @extend_schema(responses=PolicySerializer(many=True))
    @action(detail=False, methods=["get"])
    def pending(self, request):
        """The policies the caller must still accept before they can write."""
        versions = selectors.pending_versions(request.user)
        return Response(self.get_serializer([v.policy for v in versions], many=True).data)

    @extend_schema(methods=["GET"], responses=VersionSerializer(many=True))
    @extend_schema(methods=["POST"], request=VersionCreateSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, pk=None):
        """GET: every version, newest first. POST (editors): publish a new one."""
        policy = self.get_object()
        if request.method == "POST":
            data = _valid(VersionCreateSerializer, request)
            version = services.policy_publish_version(acting_user=request.user, policy=policy, **data)
            return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)
        versions = policy.versions.select_related("created_by__profile")
        return Response(VersionSerializer(versions, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", ID_SCHEMA, required=True),
            OpenApiParameter("to", ID_SCHEMA, required=True),
        ],
        responses=DiffLineSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """What changed between two versions, line by line."""
        policy = self.get_object()
        numbers = [parse_id(request.query_params.get(name, "")) for name in ("from", "to")]
        found = {v.number: v for v in policy.versions.filter(number__in=[n for n in numbers if n])}
        if not all(n in found for n in numbers):
            raise Invalid.fields(
                {"from": "Give two existing version numbers as `from` and `to`."}, code="unknown_version"
            )
        return Response(DiffLineSerializer(selectors.diff(found[numbers[0]], found[numbers[1]]), many=True).data)

    @extend_schema(request=AcceptSerializer, responses={201: AcceptanceSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """'I have read and accept' the current version (idempotent)."""
        policy = self.get_object()
        data = _valid(AcceptSerializer, request)
        acceptance = services.policy_accept(acting_user=request.user, policy=policy, version=data["version"])
        return Response(AcceptanceSerializer(acceptance).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=RecordEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def acceptances(self, request, pk=None):
        """Editors: every person it applies to, with the version they accepted last (cursor pages)."""
        policy = access_policy(request.user, pk, edit=True)
        paginator = RecordPagination()
        page = paginator.paginate_queryset(selectors.readers_with_acceptance(policy), request, view=self)
        data = RecordEntrySerializer(page, many=True, context={"required": policy.required_version}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=None, responses=inline_serializer("PolicyReminded", {"reminded": serializers.IntegerField()})
    )
    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        """Editors: remind everyone who has not accepted (in the app and by e-mail, a link only)."""
        policy = access_policy(request.user, pk, edit=True)
        return Response({"reminded": services.policy_remind(acting_user=request.user, policy=policy)})


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
