from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.accounts.models import User
from apps.core.ids import parse_id
from apps.core.pagination import ByNameCursorPagination, DefaultCursorPagination
from apps.core.serializers import IdRelatedField
from apps.people.api import ProfileSerializer

from . import services
from .access import access_department
from .models import Department, Membership
from .selectors import department_members


class DepartmentSerializer(serializers.ModelSerializer):
    my_role = serializers.CharField(read_only=True, allow_null=True)
    slug = serializers.SlugField(required=False)

    class Meta:
        model = Department
        fields = [
            "id", "name", "slug", "description", "mission", "mission_html", "is_company_wide",
            "is_confidential_by_default", "my_role",
        ]  # fmt: skip
        read_only_fields = ["id", "mission_html", "is_company_wide", "my_role"]
        validators: list = []  # uniqueness is checked by the service, with a clearer message

    def get_fields(self):
        fields = super().get_fields()
        fields["name"].validators = []
        fields["slug"].validators = []
        return fields


class DepartmentCursorPagination(DefaultCursorPagination):
    ordering = ("name", "id")


class DepartmentViewSet(viewsets.ModelViewSet):
    """Departments: members read theirs, managers edit description and mission, admins do everything."""

    serializer_class = DepartmentSerializer
    pagination_class = DepartmentCursorPagination
    lookup_field = "slug"
    lookup_value_converter = "slug"

    def get_queryset(self):
        return Department.objects.visible_to(self.request.user).with_role_of(self.request.user)

    def get_object(self) -> Department:
        return access_department(self.request.user, self.kwargs["slug"], manage=self.request.method != "GET")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.department_create(
            acting_user=self.request.user,
            name=data["name"], slug=data.get("slug", ""), description=data.get("description", ""),
            mission=data.get("mission", ""),
        )  # fmt: skip

    def perform_update(self, serializer):
        editable = {"name", "description", "mission", "is_confidential_by_default"}
        fields = {k: v for k, v in serializer.validated_data.items() if k in editable}
        services.department_update(acting_user=self.request.user, department=serializer.instance, **fields)

    def perform_destroy(self, instance):
        services.department_delete(acting_user=self.request.user, department=instance)

    @extend_schema(responses=ProfileSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, slug=None):
        """The department's active members with their profiles."""
        department = access_department(request.user, slug)
        paginator = ByNameCursorPagination()
        page = paginator.paginate_queryset(department_members(department), request, view=self)
        return paginator.get_paginated_response(MemberSerializer(page, many=True).data)


class MemberSerializer(ProfileSerializer):
    role = serializers.CharField(read_only=True)

    class Meta(ProfileSerializer.Meta):
        fields = [*ProfileSerializer.Meta.fields, "role"]


class MembershipSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", queryset=Department.objects.all())
    user = IdRelatedField(queryset=User.objects.all(), required=False)
    email = serializers.EmailField(write_only=True, required=False, help_text="Instead of `user`.")

    class Meta:
        model = Membership
        fields = ["id", "department", "user", "email", "role", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # An invisible department answers exactly like a missing one.
            fields["department"].queryset = Department.objects.visible_to(request.user)
        return fields

    def validate(self, attrs):
        if "email" in attrs:
            user = User.objects.filter(email=attrs.pop("email").strip().lower()).first()
            if user is None:
                raise serializers.ValidationError({"email": "No user has this e-mail address."})
            attrs["user"] = user
        if "user" not in attrs and self.instance is None:
            raise serializers.ValidationError({"user": "Give the user's id or e-mail address."})
        return attrs


class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who is in which department, with which role. Managers change their department's; admins any.

    POST is idempotent: it adds the person or changes their role.
    """

    serializer_class = MembershipSerializer
    pagination_class = DefaultCursorPagination

    def get_queryset(self):
        memberships = Membership.objects.visible_to(self.request.user).select_related("department", "user")
        if slug := self.request.query_params.get("department"):
            memberships = memberships.filter(department__slug=slug)
        if user_id := self.request.query_params.get("user"):
            if parse_id(user_id) is None:
                raise ValidationError({"user": "Give a numeric user id."})
            memberships = memberships.filter(user_id=parse_id(user_id))
        return memberships

    def _department(self, department: Department) -> Department:
        return access_department(self.request.user, department.slug)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.membership_set(
            acting_user=request.user,
            department=self._department(data["department"]),
            user=data["user"],
            role=data.get("role", Membership.Role.MEMBER),
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        membership = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        role = request.data.get("role") if isinstance(request.data, dict) else None
        if not isinstance(role, str):
            raise ValidationError({"role": "Give the new role."})
        membership = services.membership_set(
            acting_user=request.user,
            department=self._department(membership.department),
            user=membership.user,
            role=role,
        )
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request, *args, **kwargs):
        membership = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        services.membership_remove(
            acting_user=request.user, department=self._department(membership.department), user=membership.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
